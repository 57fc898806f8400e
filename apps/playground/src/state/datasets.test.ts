import { describe, expect, it } from "vitest";
import { generateDataset, multiGaussianLabel, planeLabel, splitTrainTest } from "./datasets.js";
import { featureMatrix, gridPoints } from "./features.js";

describe("data sets", () => {
  it("are deterministic for a seed and differ between seeds", () => {
    expect(generateDataset("xor", 0.2, 7)).toEqual(generateDataset("xor", 0.2, 7));
    expect(generateDataset("xor", 0.2, 7)).not.toEqual(generateDataset("xor", 0.2, 8));
  });

  it("label noise-free points by the rule that defines them", () => {
    for (const p of generateDataset("xor", 0, 1)) expect(p.label).toBe(p.x * p.y >= 0 ? 1 : -1);
    for (const p of generateDataset("circle", 0, 1))
      expect(p.label).toBe(Math.hypot(p.x, p.y) < 2.5 ? 1 : -1);
    for (const p of generateDataset("plane", 0, 1))
      expect(p.label).toBeCloseTo(Math.max(-1, Math.min(1, (p.x + p.y) / 10)), 12);
    const spiral = generateDataset("spiral", 0, 1);
    expect(spiral.filter((p) => p.label === 1)).toHaveLength(250);
    // Arm −1 is arm +1 turned by π: the same radius, the opposite point.
    expect(spiral[260]!.x).toBeCloseTo(-spiral[10]!.x, 12);
  });

  it("have the TensorFlow Playground's sizes and balanced classes", () => {
    expect(generateDataset("gauss", 0, 1)).toHaveLength(500);
    expect(generateDataset("multigauss", 0, 1)).toHaveLength(1200);
    const gauss = generateDataset("gauss", 0, 1);
    expect(gauss.filter((p) => p.label === 1)).toHaveLength(250);
  });

  it("multi-gaussian is ±1 at the bump centres and 0 far from them", () => {
    expect(multiGaussianLabel(-4, 2.5)).toBe(1);
    expect(multiGaussianLabel(0, 2.5)).toBe(-1);
    expect(multiGaussianLabel(0, -6)).toBe(0);
    expect(planeLabel(6, 6)).toBe(1);
  });

  it("split into train and test by the ratio, every point once", () => {
    const points = generateDataset("circle", 0, 3);
    const { train, test } = splitTrainTest(points, 0.7, 3);
    expect(train).toHaveLength(350);
    expect(test).toHaveLength(150);
    expect(new Set([...train, ...test])).toEqual(new Set(points));
  });
});

describe("features", () => {
  it("compute each feature column from (x1, x2)", () => {
    const m = featureMatrix([{ x: 2, y: -3 }], ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"]);
    expect(Array.from(m)).toEqual(Array.from(new Float32Array([2, -3, 4, 9, -6, Math.sin(2), Math.sin(-3)])));
  });

  it("the grid covers [−6, 6]² row by row from the top", () => {
    const g = gridPoints(4);
    expect(g).toHaveLength(16);
    expect(g[0]).toEqual({ x: -4.5, y: 4.5 });
    expect(g[15]).toEqual({ x: 4.5, y: -4.5 });
  });
});
