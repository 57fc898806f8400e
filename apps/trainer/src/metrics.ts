import type { Scaler } from "@backprop/data";
import { argmaxRows, type Tensor } from "@backprop/tensor";
import { MacroScore, RocAuc } from "./classification-metrics.js";
import { TrainerError } from "./errors.js";
import { checkState, labelsOf, valuesOf } from "./metric-inputs.js";

/** Whether a logged quantity should rise (accuracies, precision, recall, F1, AUC, R²) rather than fall (losses, errors). */
export function risesWhenBetter(key: string): boolean {
  return /(accuracy|precision|recall|f1|auc|r2)$/.test(key);
}

/** Every metric name `createMetric` knows (top<k> for any k). */
export const METRIC_NAMES = [
  "accuracy",
  "top<k>",
  "precision",
  "recall",
  "f1",
  "auc",
  "mse",
  "rmse",
  "mae",
  "r2",
] as const;

/** What a model's predictions are compared with: class indices (classification) or a [n, k] tensor (regression). */
export type Targets = Int32Array | Tensor;

/**
 * A metric accumulated over batches (Keras' stateful metrics): `reset()`, `update()` once per batch,
 * `result()` for everything seen since the reset. `state()` / `loadState()` save the accumulators as
 * numbers, so a run interrupted mid-epoch resumes with the same epoch averages.
 */
export interface Metric {
  /** The key the metric has in epoch logs, e.g. `"accuracy"`, `"top3_accuracy"`, `"mse"`. */
  readonly name: string;
  /** Whether a larger value is better (accuracy, R²) or a smaller one (MSE, MAE). */
  readonly higherIsBetter: boolean;
  /** Forgets every sample seen (called at the start of each epoch and evaluation). */
  reset(): void;
  /** Adds a batch: predictions [m, C] (logits or outputs) against m targets. */
  update(predictions: Tensor, targets: Targets): void;
  /** The metric over every sample seen since the last reset (NaN before any). */
  result(): number;
  /** The running sums, as plain numbers, for checkpoints. */
  state(): number[];
  /** Restores the running sums `state` returned. */
  loadState(state: readonly number[]): void;
}

/**
 * A metric spec as the CLI and config name it: accuracy, top<k> (top-k accuracy), precision, recall,
 * f1 (macro averages), auc (binary ROC AUC); mse, rmse, mae, r2.
 */
export type MetricName =
  | "accuracy"
  | `top${number}`
  | "precision"
  | "recall"
  | "f1"
  | "auc"
  | "mse"
  | "rmse"
  | "mae"
  | "r2";

/**
 * Top-k accuracy: the fraction of rows whose label is among the k largest outputs (k = 1 is plain
 * accuracy, argmax = label). Ties are counted in the label's favour only when strictly fewer than k
 * outputs are larger.
 */
export class TopKAccuracy implements Metric {
  readonly name: string;
  readonly higherIsBetter = true;
  readonly k: number;
  private correct = 0;
  private total = 0;

  constructor(k = 1) {
    if (!Number.isInteger(k) || k < 1)
      throw new TrainerError(`TopKAccuracy: k must be a positive integer, got ${k}`);
    this.k = k;
    this.name = k === 1 ? "accuracy" : `top${k}_accuracy`;
  }

  reset(): void {
    this.correct = 0;
    this.total = 0;
  }

  update(predictions: Tensor, targets: Targets): void {
    const labels = labelsOf(this.name, predictions, targets);
    const [m, c] = predictions.shape as [number, number];
    const y = predictions.read();
    for (let i = 0; i < m; i++) {
      const row = i * c;
      const score = y[row + labels[i]!]!;
      let larger = 0;
      for (let j = 0; j < c; j++) if (y[row + j]! > score) larger++;
      if (larger < this.k && !Number.isNaN(score)) this.correct++;
    }
    this.total += m;
  }

  result(): number {
    return this.total === 0 ? Number.NaN : this.correct / this.total;
  }

  state(): number[] {
    return [this.correct, this.total];
  }

  loadState(state: readonly number[]): void {
    checkState(this.name, state, 2);
    [this.correct, this.total] = state as [number, number];
  }
}

/** Shared accumulator of the mean of a per-element error e(y, t) over every output element. */
abstract class MeanElementError implements Metric {
  abstract readonly name: string;
  readonly higherIsBetter = false;
  private sum = 0;
  private count = 0;

  /** The error of one element, e.g. (y − t)². */
  protected abstract error(y: number, t: number): number;

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }

  update(predictions: Tensor, targets: Targets): void {
    const t = valuesOf(this.name, predictions, targets).read();
    const y = predictions.read();
    for (let i = 0; i < y.length; i++) this.sum += this.error(y[i]!, t[i]!);
    this.count += y.length;
  }

  result(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  state(): number[] {
    return [this.sum, this.count];
  }

  loadState(state: readonly number[]): void {
    checkState(this.name, state, 2);
    [this.sum, this.count] = state as [number, number];
  }
}

/** Mean squared error, (1/M) Σ (y − t)² over all M output elements. */
export class MeanSquaredError extends MeanElementError {
  readonly name: string = "mse";
  protected error(y: number, t: number): number {
    return (y - t) * (y - t);
  }
}

/** Root mean squared error, √((1/M) Σ (y − t)²) over all M output elements (Keras' RootMeanSquaredError). */
export class RootMeanSquaredError extends MeanSquaredError {
  override readonly name = "rmse";
  override result(): number {
    return Math.sqrt(super.result());
  }
}

/** Mean absolute error, (1/M) Σ |y − t| over all M output elements. */
export class MeanAbsoluteError extends MeanElementError {
  readonly name = "mae";
  protected error(y: number, t: number): number {
    return Math.abs(y - t);
  }
}

/**
 * The coefficient of determination per output column, R²_j = 1 − SS_res / SS_tot with
 * SS_res = Σ_i (t_ij − y_ij)² and SS_tot = Σ_i (t_ij − t̄_j)², averaged over the columns
 * (scikit-learn's r2_score, multioutput="uniform_average"; a constant column scores 1 when predicted
 * exactly, else 0). SS_tot is accumulated across batches with Chan et al.'s pairwise update, so it
 * matches a single pass over all the targets.
 */
export class R2Score implements Metric {
  readonly name = "r2";
  readonly higherIsBetter = true;
  /** Per column: [count, mean of t, M2 = Σ (t − mean)², SS_res]. */
  private columns: number[][] = [];

  reset(): void {
    this.columns = [];
  }

  update(predictions: Tensor, targets: Targets): void {
    const target = valuesOf(this.name, predictions, targets);
    const m = target.shape[0]!;
    const k = m === 0 ? 0 : target.size / m;
    if (this.columns.length === 0) this.columns = Array.from({ length: k }, () => [0, 0, 0, 0]);
    if (this.columns.length !== k)
      throw new TrainerError(`r2: targets changed from ${this.columns.length} to ${k} columns`);
    const t = target.read();
    const y = predictions.read();
    for (let j = 0; j < k; j++) {
      let mean = 0;
      for (let i = 0; i < m; i++) mean += t[i * k + j]!;
      mean /= m;
      let m2 = 0;
      let residual = 0;
      for (let i = 0; i < m; i++) {
        m2 += (t[i * k + j]! - mean) ** 2;
        residual += (t[i * k + j]! - y[i * k + j]!) ** 2;
      }
      const column = this.columns[j]!;
      const [n, oldMean, oldM2, oldResidual] = column as [number, number, number, number];
      const total = n + m;
      const delta = mean - oldMean;
      column[0] = total;
      column[1] = oldMean + (delta * m) / total;
      column[2] = oldM2 + m2 + (delta * delta * n * m) / total;
      column[3] = oldResidual + residual;
    }
  }

  result(): number {
    if (this.columns.length === 0 || this.columns[0]![0] === 0) return Number.NaN;
    let sum = 0;
    for (const [, , ssTot, ssRes] of this.columns as [number, number, number, number][]) {
      sum += ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
    }
    return sum / this.columns.length;
  }

  state(): number[] {
    return this.columns.flat();
  }

  loadState(state: readonly number[]): void {
    checkState(this.name, state, state.length - (state.length % 4));
    this.columns = [];
    for (let i = 0; i < state.length; i += 4) this.columns.push(state.slice(i, i + 4));
  }
}

/**
 * A regression metric in the targets' original units when the model learns standardised ones: each
 * batch's predictions and targets go through the target scaler's inverse (t = mean + std · t')
 * before `metric` sees them.
 */
export class InOriginalUnits implements Metric {
  readonly name: string;
  readonly higherIsBetter: boolean;

  constructor(
    private readonly metric: Metric,
    private readonly targetScaler: Scaler,
  ) {
    this.name = metric.name;
    this.higherIsBetter = metric.higherIsBetter;
  }

  reset(): void {
    this.metric.reset();
  }

  update(predictions: Tensor, targets: Targets): void {
    const t = valuesOf(this.name, predictions, targets);
    this.metric.update(
      this.targetScaler.inverseTransform(predictions),
      this.targetScaler.inverseTransform(t),
    );
  }

  result(): number {
    return this.metric.result();
  }

  state(): number[] {
    return this.metric.state();
  }

  loadState(state: readonly number[]): void {
    this.metric.loadState(state);
  }
}

/** The metric a name stands for: accuracy, top<k>, precision, recall, f1, auc, mse, rmse, mae or r2. */
export function createMetric(name: string): Metric {
  if (name === "accuracy") return new TopKAccuracy(1);
  if (name === "precision" || name === "recall" || name === "f1") return new MacroScore(name);
  if (name === "auc") return new RocAuc();
  if (name === "mse") return new MeanSquaredError();
  if (name === "rmse") return new RootMeanSquaredError();
  if (name === "mae") return new MeanAbsoluteError();
  if (name === "r2") return new R2Score();
  const topK = /^top(\d+)$/.exec(name);
  if (topK !== null) return new TopKAccuracy(Number(topK[1]));
  throw new TrainerError(
    `unknown metric "${name}": expected ${METRIC_NAMES.join(", ").replace("top<k>", "top<k> (e.g. top3)")}`,
  );
}

/**
 * The confusion matrix of a classifier: entry [t][p] counts the samples of true class t predicted as
 * class p (argmax of the outputs), as scikit-learn's confusion_matrix.
 */
export function confusionMatrix(predictions: Tensor, labels: Int32Array, classes: number): number[][] {
  labelsOf("confusionMatrix", predictions, labels);
  const c = predictions.shape[1]!;
  if (c !== classes)
    throw new TrainerError(`confusionMatrix: predictions have ${c} columns, expected ${classes} classes`);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const predicted = argmaxRows(predictions);
  predicted.forEach((p, i) => {
    matrix[labels[i]!]![p]!++;
  });
  return matrix;
}
