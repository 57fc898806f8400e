import { fromArray, tensor, zeros } from "@backprop/tensor";
import { createOpaqueBackend } from "@backprop/tensor/testing";
import { describe, expect, it } from "vitest";
import {
  classificationDataset,
  datasetOnBackend,
  datasetSize,
  regressionDataset,
  subset,
  withFeatures,
} from "./dataset.js";
import { DataError } from "./errors.js";
import { oneHot } from "./one-hot.js";

describe("datasets", () => {
  const ds = classificationDataset({
    features: tensor([
      [0, 1],
      [2, 3],
      [4, 5],
    ]),
    targets: Int32Array.from([1, 0, 1]),
    classNames: ["no", "yes"],
  });

  it("validates shapes, label ranges and names", () => {
    expect(ds.featureNames).toEqual(["x0", "x1"]);
    expect(datasetSize(ds)).toBe(3);
    const features = ds.features;
    expect(() => classificationDataset({ features, targets: new Int32Array(2), classNames: ["a"] })).toThrow(
      /3 rows but there are 2 labels/,
    );
    expect(() =>
      classificationDataset({ features, targets: Int32Array.from([0, 1, 2]), classNames: ["a", "b"] }),
    ).toThrow(/label 2 of sample 2 is outside \[0, 2\)/);
    expect(() =>
      classificationDataset({ features, targets: new Int32Array(3), classNames: ["a", "a"] }),
    ).toThrow(/unique/);
    expect(() =>
      classificationDataset({ features: zeros([3]), targets: new Int32Array(3), classNames: ["a"] }),
    ).toThrow(DataError);
    expect(() => regressionDataset({ features, targets: zeros([2, 1]) })).toThrow(
      /targets must have shape \[3, k\]/,
    );
    expect(() => regressionDataset({ features, targets: zeros([3, 1]), featureNames: ["a"] })).toThrow(
      /1 feature names for 2/,
    );
  });

  it("subsets copy rows in the given order", () => {
    const part = subset(ds, [2, 0]);
    expect(part.features.toArray()).toEqual([
      [4, 5],
      [0, 1],
    ]);
    expect([...part.targets]).toEqual([1, 1]);
    part.features.data[0] = 99;
    expect(ds.features.get(2, 0)).toBe(4);
    expect(() => subset(ds, [3])).toThrow(/index 3 \(position 0\) is outside \[0, 3\)/);
    const reg = regressionDataset({
      features: fromArray([1, 2], [2, 1]),
      targets: fromArray([3, 4, 5, 6], [2, 2]),
    });
    expect(subset(reg, [1]).targets.toArray()).toEqual([[5, 6]]);
  });

  it("swaps features of the same shape only", () => {
    expect(withFeatures(ds, zeros([3, 2])).features.data.every((v) => v === 0)).toBe(true);
    expect(() => withFeatures(ds, zeros([3, 3]))).toThrow(/expected features of shape \[3,2\], got \[3,3\]/);
  });
});

describe("datasetOnBackend", () => {
  it("copies the features and a regression's targets to the backend, and keeps what is there", () => {
    const backend = createOpaqueBackend();
    const data = regressionDataset({
      features: tensor([
        [1, 2],
        [3, 4],
      ]),
      targets: tensor([[5], [6]]),
    });
    const moved = datasetOnBackend(data, backend);
    expect([moved.features.backend, moved.targets.backend]).toEqual([backend, backend]);
    expect([...moved.features.read(), ...moved.targets.read()]).toEqual([1, 2, 3, 4, 5, 6]);
    const again = datasetOnBackend(moved, backend);
    expect(again.features).toBe(moved.features);
    expect(again.targets).toBe(moved.targets);
    const labels = classificationDataset({
      features: tensor([[1], [2]]),
      targets: Int32Array.of(1, 0),
      classNames: ["a", "b"],
    });
    const placed = datasetOnBackend(labels, backend);
    expect(placed.features.backend).toBe(backend);
    expect(placed.targets).toBe(labels.targets);
  });
});

describe("oneHot", () => {
  it("sets T[i, label_i] = 1 and everything else 0", () => {
    expect(oneHot([2, 0, 1], 3).toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(oneHot(Int32Array.from([1]), 2, { dtype: "float64" }).dtype).toBe("float64");
  });

  it("reuses out, clearing what was there", () => {
    const out = zeros([2, 3]);
    oneHot([0, 1], 3, { out });
    expect(oneHot([2, 2], 3, { out })).toBe(out);
    expect(out.toArray()).toEqual([
      [0, 0, 1],
      [0, 0, 1],
    ]);
  });

  it("rejects labels outside [0, k)", () => {
    expect(() => oneHot([0, 3], 3)).toThrow(/label 3 at position 1 is outside \[0, 3\)/);
    expect(() => oneHot([0.5], 3)).toThrow(DataError);
    expect(() => oneHot([0], 0)).toThrow(/numClasses must be a positive integer/);
  });
});
