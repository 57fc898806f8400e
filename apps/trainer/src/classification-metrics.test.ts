import { tensor } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { classScores, MacroScore, RocAuc, rocAuc } from "./classification-metrics.js";
import { confusionMatrix, createMetric } from "./metrics.js";

/** One-hot rows: the model "predicts" class p[i] for row i. */
function onehot(predicted: readonly number[], classes: number) {
  return tensor(predicted.map((p) => Array.from({ length: classes }, (_, c) => (c === p ? 1 : 0))));
}

// Worked by hand: confusion [true][predicted] = [[3,1,0],[1,1,0],[1,0,3]].
const labels = Int32Array.from([0, 0, 0, 1, 1, 2, 2, 2, 2, 0]);
const predicted = [0, 0, 1, 1, 0, 2, 2, 0, 2, 0];

describe("precision, recall, F1 (macro and per class)", () => {
  it("match the hand-computed figures of a 3-class example", () => {
    const matrix = confusionMatrix(onehot(predicted, 3), labels, 3);
    expect(matrix).toEqual([
      [3, 1, 0],
      [1, 1, 0],
      [1, 0, 3],
    ]);
    const scores = classScores(matrix);
    // precision = TP / column sum: 3/5, 1/2, 3/3; recall = TP / row sum: 3/4, 1/2, 3/4.
    expect(scores.map((s) => s.precision)).toEqual([0.6, 0.5, 1]);
    expect(scores.map((s) => s.recall)).toEqual([0.75, 0.5, 0.75]);
    // F1 = 2PR/(P+R): 0.9/1.35 = 2/3, 1/2, 1.5/1.75 = 6/7.
    for (const [c, f1] of [2 / 3, 1 / 2, 6 / 7].entries()) expect(scores[c]!.f1).toBeCloseTo(f1, 15);
    expect(scores.map((s) => s.support)).toEqual([4, 2, 4]);
    const macro = (name: string) => {
      const m = createMetric(name);
      m.update(onehot(predicted, 3), labels);
      return m.result();
    };
    expect(macro("precision")).toBeCloseTo(0.7, 15);
    expect(macro("recall")).toBeCloseTo(2 / 3, 15);
    expect(macro("f1")).toBeCloseTo(85 / 126, 15);
  });

  it("a class never predicted has precision 0 (scikit-learn's zero_division=0), not NaN", () => {
    const scores = classScores(confusionMatrix(onehot([0, 0], 2), Int32Array.from([0, 1]), 2));
    expect(scores[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(scores[0]!.precision).toBe(0.5);
  });

  it("accumulate over batches as over the whole set, and round-trip their state", () => {
    const whole = new MacroScore("f1");
    whole.update(onehot(predicted, 3), labels);
    const parts = new MacroScore("f1");
    parts.update(onehot(predicted.slice(0, 4), 3), labels.slice(0, 4));
    const restored = new MacroScore("f1");
    restored.loadState(parts.state());
    restored.update(onehot(predicted.slice(4), 3), labels.slice(4));
    expect(restored.result()).toBe(whole.result());
  });
});

describe("ROC AUC (binary)", () => {
  it("is scikit-learn's documented example, 0.75", () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });

  it("counts a tie between a positive and a negative as half a pair", () => {
    // pairs (positive, negative): (0.5, 0.5) ½, (0.5, 0.2) 1, (0.9, 0.5) 1, (0.9, 0.2) 1 → 3.5 / 4.
    expect(rocAuc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1])).toBe(0.875);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
  });

  it("ranks rows by the log-odds z₁ − z₀ of the two logits, over batches", () => {
    const m = new RocAuc();
    m.update(
      tensor([
        [0, 0.1],
        [0, 0.4],
      ]),
      Int32Array.from([0, 0]),
    );
    m.update(
      tensor([
        [1, 1.35],
        [-1, -0.2],
      ]),
      Int32Array.from([1, 1]),
    );
    expect(m.name).toBe("auc");
    expect(m.result()).toBe(0.75);
    const restored = new RocAuc();
    restored.loadState(m.state());
    expect(restored.result()).toBe(0.75);
  });

  it("refuses more than two classes, naming the count", () => {
    expect(() => new RocAuc().update(onehot([0, 1, 2], 3), Int32Array.from([0, 1, 2]))).toThrow(
      "auc: ROC AUC is for binary classification (2 classes), got 3 classes",
    );
  });
});

describe("RMSE", () => {
  it("is the square root of the MSE over every output element", () => {
    const m = createMetric("rmse");
    m.update(tensor([[1], [2], [3]]), tensor([[2], [2], [5]]));
    expect(m.name).toBe("rmse");
    expect(m.result()).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });
});
