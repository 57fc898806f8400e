import { tensor } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import {
  confusionMatrix,
  createMetric,
  MeanAbsoluteError,
  MeanSquaredError,
  R2Score,
  TopKAccuracy,
} from "./metrics.js";

const logits = tensor([
  [0.1, 0.7, 0.2], // argmax 1
  [0.5, 0.3, 0.2], // argmax 0
  [0.2, 0.3, 0.5], // argmax 2
  [0.4, 0.35, 0.25], // argmax 0, second 1
]);
const labels = Int32Array.from([1, 2, 2, 1]);

describe("classification metrics", () => {
  it("accuracy is the fraction of rows whose argmax is the label", () => {
    const m = new TopKAccuracy();
    m.update(logits, labels);
    expect(m.name).toBe("accuracy");
    expect(m.result()).toBe(2 / 4);
  });

  it("top-2 accuracy counts a label among the two largest outputs", () => {
    const m = createMetric("top2");
    m.update(logits, labels);
    // row 0: 1 is top; row 1: label 2 has the smallest score; row 2: top; row 3: label 1 is second.
    expect(m.name).toBe("top2_accuracy");
    expect(m.result()).toBe(3 / 4);
  });

  it("accumulates over batches exactly as over the whole set, and round-trips its state", () => {
    const whole = new TopKAccuracy();
    whole.update(logits, labels);
    const parts = new TopKAccuracy();
    parts.update(tensor([[0.1, 0.7, 0.2]]), Int32Array.from([1]));
    const resumed = new TopKAccuracy();
    resumed.loadState(parts.state());
    resumed.update(
      tensor([
        [0.5, 0.3, 0.2],
        [0.2, 0.3, 0.5],
        [0.4, 0.35, 0.25],
      ]),
      Int32Array.from([2, 2, 1]),
    );
    expect(resumed.result()).toBe(whole.result());
  });

  it("the confusion matrix counts [true][predicted]", () => {
    expect(confusionMatrix(logits, labels, 3)).toEqual([
      [0, 0, 0],
      [1, 1, 0],
      [1, 0, 1],
    ]);
  });

  it("rejects unknown metric names and regression targets", () => {
    expect(() => createMetric("f2")).toThrow(
      /unknown metric "f2": expected accuracy, top<k> \(e.g. top3\), precision/,
    );
    expect(() => new TopKAccuracy().update(logits, tensor([[1], [2], [3], [4]]))).toThrow(
      /needs class labels/,
    );
  });
});

describe("regression metrics", () => {
  const y = tensor([[1], [2], [3], [4]]);
  const t = tensor([[1.5], [2], [2], [5]]);

  it("mse and mae are the means of squared and absolute errors", () => {
    const mse = new MeanSquaredError();
    const mae = new MeanAbsoluteError();
    mse.update(y, t);
    mae.update(y, t);
    expect(mse.result()).toBeCloseTo((0.25 + 0 + 1 + 1) / 4, 12);
    expect(mae.result()).toBeCloseTo((0.5 + 0 + 1 + 1) / 4, 12);
  });

  it("r2 is 1 − SS_res / SS_tot, the same in one batch or several", () => {
    // t = 1.5, 2, 2, 5: mean 2.625, SS_tot = 1.265625 + 0.390625 + 0.390625 + 5.640625 = 7.6875; SS_res = 2.25.
    const expected = 1 - 2.25 / 7.6875;
    const one = new R2Score();
    one.update(y, t);
    expect(one.result()).toBeCloseTo(expected, 12);
    const two = new R2Score();
    two.update(tensor([[1]]), tensor([[1.5]]));
    two.update(tensor([[2], [3], [4]]), tensor([[2], [2], [5]]));
    expect(two.result()).toBeCloseTo(expected, 12);
  });

  it("r2 averages the columns, and a constant column scores 1 when predicted exactly", () => {
    const r2 = new R2Score();
    r2.update(
      tensor([
        [1, 7],
        [2, 7],
      ]),
      tensor([
        [1, 7],
        [3, 7],
      ]),
    );
    // column 0: mean 2, SS_tot 2, SS_res 1 → 0.5; column 1: constant, exact → 1.
    expect(r2.result()).toBeCloseTo(0.75, 12);
  });
});
