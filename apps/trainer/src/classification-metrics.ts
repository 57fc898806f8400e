import { argmaxRows, type Tensor } from "@backprop/tensor";
import { TrainerError } from "./errors.js";
import { checkState, labelsOf } from "./metric-inputs.js";
import type { Metric, Targets } from "./metrics.js";

/** Precision, recall and F1 of one class, and its support (samples of that true class). */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/**
 * Per-class scores from a confusion matrix [true][predicted] (scikit-learn's
 * precision_recall_fscore_support with labels = every class, zero_division = 0):
 * precision_c = TP / (TP + FP), recall_c = TP / (TP + FN), F1_c = 2·P·R / (P + R).
 */
export function classScores(matrix: readonly (readonly number[])[]): ClassScores[] {
  return matrix.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((sum, r) => sum + r[c]!, 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
}

/** The unweighted mean of a score over the classes (the "macro" average). */
export function macroAverage(scores: readonly ClassScores[], key: "precision" | "recall" | "f1"): number {
  return scores.length === 0 ? Number.NaN : scores.reduce((sum, s) => sum + s[key], 0) / scores.length;
}

/**
 * Macro precision, recall or F1 accumulated over batches: a confusion matrix of argmax predictions
 * against labels, summarised by `classScores` and `macroAverage` (scikit-learn's
 * `precision_score(average="macro")` etc. over every class).
 */
export class MacroScore implements Metric {
  readonly name: "precision" | "recall" | "f1";
  readonly higherIsBetter = true;
  private matrix: number[][] = [];

  constructor(score: "precision" | "recall" | "f1") {
    this.name = score;
  }

  reset(): void {
    this.matrix = [];
  }

  update(predictions: Tensor, targets: Targets): void {
    const labels = labelsOf(this.name, predictions, targets);
    const classes = predictions.shape[1]!;
    if (this.matrix.length === 0)
      this.matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
    if (this.matrix.length !== classes)
      throw new TrainerError(
        `${this.name}: predictions changed from ${this.matrix.length} to ${classes} classes`,
      );
    const predicted = argmaxRows(predictions);
    for (let i = 0; i < labels.length; i++) this.matrix[labels[i]!]![predicted[i]!]!++;
  }

  result(): number {
    if (this.matrix.every((row) => row.every((v) => v === 0))) return Number.NaN;
    return macroAverage(classScores(this.matrix), this.name);
  }

  state(): number[] {
    return this.matrix.flat();
  }

  loadState(state: readonly number[]): void {
    checkState(this.name, state);
    const classes = Math.round(Math.sqrt(state.length));
    if (classes * classes !== state.length)
      throw new TrainerError(
        `${this.name}: saved metric state must be C² counts, got ${state.length} numbers`,
      );
    this.matrix = Array.from({ length: classes }, (_, t) => state.slice(t * classes, (t + 1) * classes));
  }
}

/**
 * The area under the ROC curve of a binary classifier (scikit-learn's roc_auc_score), as the
 * Mann–Whitney statistic AUC = (Σ ranks of the positives − n₊(n₊+1)/2) / (n₊ n₋), ties given their
 * mean rank. The score of a row is z₁ − z₀, the log-odds of class 1 under softmax (any increasing
 * function of p₁ ranks the same). NaN when one class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    const meanRank = (start + 1 + end) / 2; // ranks start + 1 … end share their mean
    for (let k = start; k < end; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        rankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** ROC AUC of a two-class classifier accumulated over batches (it keeps every score: O(n) state). */
export class RocAuc implements Metric {
  readonly name = "auc";
  readonly higherIsBetter = true;
  private scores: number[] = [];
  private labels: number[] = [];

  reset(): void {
    this.scores = [];
    this.labels = [];
  }

  update(predictions: Tensor, targets: Targets): void {
    const labels = labelsOf(this.name, predictions, targets);
    if (predictions.shape[1] !== 2) {
      throw new TrainerError(
        `auc: ROC AUC is for binary classification (2 classes), got ${predictions.shape[1]} classes`,
      );
    }
    const y = predictions.read();
    for (let i = 0; i < labels.length; i++) {
      this.scores.push(y[2 * i + 1]! - y[2 * i]!);
      this.labels.push(labels[i]!);
    }
  }

  result(): number {
    return this.scores.length === 0 ? Number.NaN : rocAuc(this.scores, this.labels);
  }

  state(): number[] {
    return [...this.scores, ...this.labels];
  }

  loadState(state: readonly number[]): void {
    checkState(this.name, state);
    if (state.length % 2 !== 0)
      throw new TrainerError(
        `auc: saved metric state must be scores then labels, got ${state.length} numbers`,
      );
    this.scores = state.slice(0, state.length / 2);
    this.labels = state.slice(state.length / 2);
  }
}
