import { describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import { circles, sine, spiral, xor } from "./synthetic.js";

describe("synthetic datasets", () => {
  it("are deterministic for a seed and differ between seeds", () => {
    for (const make of [
      (seed: number) => xor({ rng: seed, noise: 0.1 }),
      (seed: number) => spiral({ rng: seed }),
      (seed: number) => circles({ rng: seed, noise: 0.05 }),
      (seed: number) => sine({ rng: seed }),
    ]) {
      expect([...make(1).features.data]).toEqual([...make(1).features.data]);
      expect([...make(1).features.data]).not.toEqual([...make(2).features.data]);
    }
  });

  it("xor: class 1 exactly where the signs differ (without noise)", () => {
    const ds = xor({ samples: 500, rng: 3 });
    expect(ds.features.shape).toEqual([500, 2]);
    for (let i = 0; i < 500; i++) {
      const [x, y] = [ds.features.get(i, 0), ds.features.get(i, 1)];
      expect(Math.abs(x) <= 1 && Math.abs(y) <= 1).toBe(true);
      expect(ds.targets[i]).toBe(x * y < 0 ? 1 : 0);
    }
  });

  it("spiral: k arms of N points, radius linspace(0, 1, N), CS231n's layout", () => {
    const ds = spiral({ samplesPerClass: 50, classes: 4, noise: 0, rng: 1, dtype: "float64" });
    expect(ds.features.shape).toEqual([200, 2]);
    expect(ds.classNames).toEqual(["0", "1", "2", "3"]);
    for (let j = 0; j < 4; j++) {
      for (let i = 0; i < 50; i++) {
        const row = 50 * j + i;
        const [x, y] = [ds.features.get(row, 0), ds.features.get(row, 1)];
        expect(Math.hypot(x, y)).toBeCloseTo(i / 49, 12);
        const t = 4 * j + (4 * i) / 49;
        expect(x).toBeCloseTo((i / 49) * Math.sin(t), 12);
        expect(ds.targets[row]).toBe(j);
      }
    }
  });

  it("circles: outer radius 1, inner radius = factor, ⌊n/2⌋ outer points", () => {
    const ds = circles({ samples: 101, factor: 0.3, rng: 4, dtype: "float64" });
    let outer = 0;
    for (let i = 0; i < 101; i++) {
      const r = Math.hypot(ds.features.get(i, 0), ds.features.get(i, 1));
      expect(r).toBeCloseTo(ds.targets[i] === 0 ? 1 : 0.3, 12);
      if (ds.targets[i] === 0) outer++;
    }
    expect(outer).toBe(50);
    const unshuffled = circles({ samples: 10, shuffle: false });
    expect([...unshuffled.targets]).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(() => circles({ factor: 1 })).toThrow(/factor must be in \[0, 1\)/);
  });

  it("sine: y = sin(x) + small noise, x in the range", () => {
    const ds = sine({ samples: 300, noise: 0.05, range: [0, 2], rng: 5, dtype: "float64" });
    expect(ds.features.shape).toEqual([300, 1]);
    expect(ds.targets.shape).toEqual([300, 1]);
    let squared = 0;
    for (let i = 0; i < 300; i++) {
      const x = ds.features.get(i, 0);
      expect(x >= 0 && x < 2).toBe(true);
      squared += (ds.targets.get(i, 0) - Math.sin(x)) ** 2;
    }
    expect(Math.sqrt(squared / 300)).toBeGreaterThan(0.03);
    expect(Math.sqrt(squared / 300)).toBeLessThan(0.07);
    expect(sine({ noise: 0 }).targets.data[0]).toBeCloseTo(Math.sin(sine({ noise: 0 }).features.data[0]!), 6);
  });

  it("reject bad sizes and noise", () => {
    expect(() => xor({ samples: 0 })).toThrow(DataError);
    expect(() => spiral({ classes: 1 })).toThrow(/classes must be an integer ≥ 2/);
    expect(() => sine({ noise: -1 })).toThrow(/noise must be a finite number ≥ 0/);
    expect(() => sine({ range: [1, 1] })).toThrow(/low < high/);
  });
});
