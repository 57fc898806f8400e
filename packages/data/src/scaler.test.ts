import { fromArray, tensor } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { classificationDataset, withFeatures } from "./dataset.js";
import { DataError } from "./errors.js";
import { MinMaxScaler, type ScalerJSON, StandardScaler, scalerFromJSON } from "./scaler.js";
import { splitDataset } from "./split.js";

const train = tensor(
  [
    [1, 10, 5],
    [2, 20, 5],
    [3, 30, 5],
    [4, 40, 5],
  ],
  { dtype: "float64" },
);

describe("StandardScaler", () => {
  it("fits the population mean and std and maps train to z-scores", () => {
    const scaler = StandardScaler.fit(train);
    expect(scaler.mean).toEqual([2.5, 25, 5]);
    expect(scaler.std[0]).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(scaler.std[2]).toBe(1); // constant column: divide by 1, not 0
    const z = scaler.transform(train);
    for (let j = 0; j < 3; j++) {
      const column = [0, 1, 2, 3].map((i) => z.get(i, j));
      const mean = column.reduce((a, b) => a + b) / 4;
      const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(j === 2 ? 0 : 1, 12);
    }
    scaler.inverseTransform(z).data.forEach((v, i) => {
      expect(v).toBeCloseTo(train.data[i]!, 12);
    });
  });

  it("uses only the statistics it was fitted on (train), not those of the data it transforms", () => {
    const scaler = StandardScaler.fit(train);
    const other = tensor([[102.5, 25, 5]], { dtype: "float64" });
    expect(scaler.transform(other).toArray()).toEqual([[100 / Math.sqrt(1.25), 0, 0]]);
  });

  it("fits on the training split only", () => {
    const n = 40;
    const ds = classificationDataset({
      features: fromArray(
        Float64Array.from({ length: n }, (_, i) => i * i),
        [n, 1],
      ),
      targets: new Int32Array(n),
      classNames: ["a"],
    });
    const { train: trainSplit, test } = splitDataset(ds, { test: 0.25, rng: 5 });
    const scaler = StandardScaler.fit(trainSplit.features);
    const trainValues = [...trainSplit.features.data];
    expect(scaler.mean[0]).toBeCloseTo(trainValues.reduce((a, b) => a + b) / trainValues.length, 10);
    const scaledTest = withFeatures(test, scaler.transform(test.features));
    const expected = [...test.features.data].map((v) => (v - scaler.mean[0]!) / scaler.std[0]!);
    [...scaledTest.features.data].forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 12);
    });
  });

  it("writes into out (in place too) and keeps the dtype", () => {
    const x = tensor([
      [1, 10, 5],
      [4, 40, 5],
    ]);
    const scaler = StandardScaler.fit(train);
    const expected = scaler.transform(x).toArray();
    expect(scaler.transform(x, x)).toBe(x);
    expect(x.toArray()).toEqual(expected);
    expect(x.dtype).toBe("float32");
  });
});

describe("MinMaxScaler", () => {
  it("maps the training range to [0, 1] or a chosen range, and back", () => {
    const scaler = MinMaxScaler.fit(train);
    expect(scaler.transform(train).toArray()).toEqual([
      [0, 0, 0],
      [1 / 3, 1 / 3, 0],
      [2 / 3, 2 / 3, 0],
      [1, 1, 0],
    ]);
    const symmetric = MinMaxScaler.fit(train, { range: [-1, 1] });
    const y = symmetric.transform(train);
    expect([y.get(0, 0), y.get(3, 0), y.get(0, 2)]).toEqual([-1, 1, -1]);
    const back = symmetric.inverseTransform(y);
    back.data.forEach((v, i) => {
      expect(v).toBeCloseTo(train.data[i]!, 12);
    });
    expect(() => MinMaxScaler.fit(train, { range: [1, 1] })).toThrow(/lo < hi/);
  });
});

describe("scaler JSON", () => {
  it("round-trips through JSON text and transforms identically", () => {
    for (const scaler of [StandardScaler.fit(train), MinMaxScaler.fit(train, { range: [-2, 3] })]) {
      const json = JSON.parse(JSON.stringify(scaler)) as ScalerJSON;
      expect(json).toEqual(scaler.toJSON());
      const restored = scalerFromJSON(json);
      expect(restored.transform(train).toArray()).toEqual(scaler.transform(train).toArray());
      expect(restored.features).toBe(3);
    }
    expect(StandardScaler.fit(train).toJSON()).toEqual({
      type: "standard",
      version: 1,
      mean: [2.5, 25, 5],
      std: [Math.sqrt(1.25), Math.sqrt(125), 1],
    });
    expect(MinMaxScaler.fit(train).toJSON()).toEqual({
      type: "minmax",
      version: 1,
      min: [1, 10, 5],
      max: [4, 40, 5],
      range: [0, 1],
    });
  });

  it("rejects invalid JSON with a DataError", () => {
    const bad: unknown[] = [
      null,
      { type: "robust" },
      { type: "standard", version: 1, mean: [0], std: [0] },
      { type: "standard", version: 2, mean: [0], std: [1] },
      { type: "standard", version: 1, mean: [0, 1], std: [1] },
      { type: "minmax", version: 1, min: [2], max: [1], range: [0, 1] },
      { type: "minmax", version: 1, min: [0], max: [1], range: [1, 0] },
    ];
    for (const json of bad) expect(() => scalerFromJSON(json as ScalerJSON)).toThrow(DataError);
  });

  it("rejects features of the wrong width and non-finite training data", () => {
    const scaler = StandardScaler.fit(train);
    expect(() => scaler.transform(tensor([[1, 2]]))).toThrow(
      /StandardScaler.transform: expected features of shape \[m, 3\], got \[1,2\]/,
    );
    expect(() => StandardScaler.fit(tensor([[1], [Number.NaN]]))).toThrow(/feature 0 of sample 1 is NaN/);
    expect(() => StandardScaler.fit(tensor([[]]).reshape([0, 1]))).toThrow(/n ≥ 1/);
  });
});
