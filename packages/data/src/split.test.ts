import { fromArray, Rng } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { type ClassificationDataset, classificationDataset, regressionDataset } from "./dataset.js";
import { DataError } from "./errors.js";
import { splitDataset, splitIndices } from "./split.js";

/** n samples whose single feature is the sample's index, labels with the given class sizes. */
function labelled(classSizes: number[]): ClassificationDataset {
  const labels = classSizes.flatMap((size, c) => new Array<number>(size).fill(c));
  const n = labels.length;
  return classificationDataset({
    features: fromArray(
      Float64Array.from({ length: n }, (_, i) => i),
      [n, 1],
    ),
    targets: Int32Array.from(labels),
    classNames: classSizes.map((_, c) => `c${c}`),
  });
}

const ids = (ds: ClassificationDataset) => [...ds.features.data];

describe("splitDataset", () => {
  it("cuts round(n·fraction) samples into disjoint splits that cover the data", () => {
    const ds = labelled([60, 40]);
    const { train, validation, test } = splitDataset(ds, { test: 0.25, validation: 0.15, rng: 3 });
    expect(test.features.shape).toEqual([25, 1]);
    expect(validation.features.shape).toEqual([15, 1]);
    expect(train.features.shape).toEqual([60, 1]);
    const all = [...ids(train), ...ids(validation), ...ids(test)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const part of [train, validation, test]) {
      part.features.data.forEach((id, row) => {
        expect(part.targets[row]).toBe(ds.targets[id]);
      });
    }
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const ds = labelled([30, 30]);
    const a = splitDataset(ds, { rng: 7 });
    const b = splitDataset(ds, { rng: new Rng(7) });
    const c = splitDataset(ds, { rng: 8 });
    expect(ids(a.test)).toEqual(ids(b.test));
    expect(ids(a.train)).toEqual(ids(b.train));
    expect(ids(a.test)).not.toEqual(ids(c.test));
  });

  it("keeps class proportions when stratified", () => {
    const ds = labelled([80, 15, 5]);
    const { train, test } = splitDataset(ds, { test: 0.2, stratify: true, rng: 1 });
    const count = (t: Int32Array, c: number) => t.filter((x) => x === c).length;
    expect([0, 1, 2].map((c) => count(test.targets, c))).toEqual([16, 3, 1]);
    expect([0, 1, 2].map((c) => count(train.targets, c))).toEqual([64, 12, 4]);
    // Unstratified, the small class is not guaranteed a test sample: over seeds its count varies.
    const counts = new Set(
      [0, 1, 2, 3, 4, 5].map((seed) => count(splitDataset(ds, { test: 0.2, rng: seed }).test.targets, 2)),
    );
    expect(counts.size).toBeGreaterThan(1);
  });

  it("splits regression data too, and rejects stratifying it", () => {
    const ds = regressionDataset({
      features: fromArray([1, 2, 3, 4], [4, 1]),
      targets: fromArray([10, 20, 30, 40], [4, 1]),
    });
    const { train, test } = splitDataset(ds, { test: 0.5 });
    expect(test.targets.shape).toEqual([2, 1]);
    for (const part of [train, test]) {
      for (let i = 0; i < 2; i++) expect(part.targets.data[i]).toBe(part.features.data[i]! * 10);
    }
    expect(() => splitDataset(ds, { stratify: true })).toThrow(/stratify needs a classification dataset/);
  });

  it("rejects fractions that leave no training data", () => {
    const ds = labelled([10]);
    expect(() => splitDataset(ds, { test: 1 })).toThrow(DataError);
    expect(() => splitDataset(ds, { test: 0.5, validation: 0.5 })).toThrow(/must leave samples for training/);
    expect(() => splitDataset(ds, { test: -0.1 })).toThrow(/test fraction must be in \[0, 1\)/);
    expect(() => splitDataset(ds, { rng: -1 })).toThrow(/seed must be a non-negative safe integer/);
  });
});

describe("splitIndices", () => {
  it("gives the rows splitDataset copies into each split, stratified or not", () => {
    const ds = labelled([23, 11, 6]);
    for (const options of [
      { test: 0.25, validation: 0.1, rng: 2 },
      { validation: 0.3, rng: 5 },
    ]) {
      const rows = splitIndices(40, options);
      const stratified = splitIndices(40, { ...options, stratifyBy: { labels: ds.targets, classes: 3 } });
      const expected = splitDataset(ds, options);
      const expectedStratified = splitDataset(ds, { ...options, stratify: true });
      for (const part of ["train", "validation", "test"] as const) {
        expect([...rows[part]]).toEqual(ids(expected[part]));
        expect([...stratified[part]]).toEqual(ids(expectedStratified[part]));
      }
    }
  });

  it("names what is wrong with its arguments", () => {
    expect(() => splitIndices(2.5)).toThrow("splitIndices: n must be a non-negative integer, got 2.5");
    expect(() => splitIndices(3, { stratifyBy: { labels: [0, 1], classes: 2 } })).toThrow(
      "splitIndices: stratifyBy has 2 labels for 3 samples",
    );
    expect(() => splitIndices(2, { stratifyBy: { labels: [0, 2], classes: 2 } })).toThrow(
      "splitIndices: label 2 of sample 1 is not in [0, 2)",
    );
    expect(() => splitIndices(2, { test: 1 })).toThrow(
      "splitIndices: test fraction must be in [0, 1), got 1",
    );
  });
});
