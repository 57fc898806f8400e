import {
  checkRank,
  columnIndex,
  columnVector,
  constant,
  type Expr,
  evaluate,
  formatShape,
  lazy,
  ShapeError,
  Tensor,
} from "@backprop/tensor";
import {
  checkNotEmpty,
  checkReduction,
  checkTarget,
  gradientOut,
  lastForward,
  reusableBuffer,
} from "./check.js";
import { LossError } from "./errors.js";
import type { Loss, Reduction } from "./loss.js";

/**
 * What `CrossEntropyLoss` compares the logits [N, C] with: a class index in [0, C) per row
 * (`Int32Array` or `number[]` of length N), or a probability tensor [N, C] (soft targets).
 */
export type ClassTarget = Int32Array | readonly number[] | Tensor;

/** Options of `CrossEntropyLoss`: the reduction and the label smoothing ε. */
export interface CrossEntropyLossOptions {
  /** `"mean"` over the N rows (default) or `"sum"`. */
  reduction?: Reduction;
  /** ε ∈ [0, 1]: the target becomes q = (1 − ε)·t + ε/C, as PyTorch's `label_smoothing` (default 0). */
  labelSmoothing?: number;
}

/**
 * Softmax cross-entropy from logits x [N, C] (PyTorch's CrossEntropyLoss), fused and stable:
 *
 *   log p_nc = x_nc − lse_n,  lse_n = m_n + log Σ_c e^{x_nc − m_n},  m_n = max_c x_nc
 *   E = (1/N) Σ_n Σ_c −q_nc log p_nc = (1/N) Σ_n Σ_c q_nc (lse_n − x_nc)      (or the sum over n)
 *   ∂E/∂x_nc = (1/N) (p_nc Σ_c' q_nc' − q_nc)            = (softmax − onehot)/N for hard labels
 *
 * where q is the one-hot label or the probability target, smoothed to (1 − ε)·q + ε/C when
 * `labelSmoothing` is ε. Forward is the backend's log-sum-exp over each row (`reduce`, axis 1) and
 * ONE elementwise pass that sums E and stores ∂E/∂x (kept for backward); class labels travel as a
 * float tensor of indices (one per row) compared with the column index. Labels must be integers in
 * [0, C) (they are copied at forward); probability targets must be [N, C].
 */
export class CrossEntropyLoss implements Loss<ClassTarget> {
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  /** ∂E/∂x of the last forward (undefined before the first). */
  private gradient: Tensor | undefined;
  /** lse_n per row, then (soft targets) Σ_c t_nc per row: [N], reused while N stays. */
  private perRow: Tensor | undefined;
  private perRowMass: Tensor | undefined;
  /** The last forward's class labels as a float tensor [N] on the logits' backend. */
  private labels: Tensor | undefined;

  constructor(options: CrossEntropyLossOptions = {}) {
    this.reduction = checkReduction("CrossEntropyLoss", options.reduction ?? "mean", ["mean", "sum"]);
    const smoothing = options.labelSmoothing ?? 0;
    if (!(smoothing >= 0 && smoothing <= 1)) {
      throw new LossError(`CrossEntropyLoss: labelSmoothing must be in [0, 1], got ${smoothing}`);
    }
    this.labelSmoothing = smoothing;
  }

  forward(logits: Tensor, target: ClassTarget): number {
    const op = "CrossEntropyLoss";
    checkRank(op, "logits", logits, 2);
    const [n, c] = logits.shape as [number, number];
    checkNotEmpty(op, logits, this.reduction);
    if (target instanceof Tensor) {
      if (target.rank === 1 && target.size === n) {
        throw new ShapeError(
          `${op}: target tensor has shape ${formatShape(target.shape)}, expected probabilities ${formatShape([n, c])}; pass class indices as an Int32Array or number[]`,
        );
      }
      checkTarget(op, logits, target);
    } else {
      checkLabels(op, target, n, c);
    }
    const gradient = reusableBuffer(op, undefined, this.gradient, logits);
    this.gradient = undefined;
    const perRow = reusableBuffer(op, undefined, this.perRow, logits, [n]);
    this.perRow = perRow;
    logits.backend.reduce("logsumexp", 1, n, c, logits.storage, 0, perRow.storage);
    const x = lazy(logits);
    const lse = columnVector(perRow);
    const s = this.reduction === "mean" ? 1 / n : 1;
    const eps = this.labelSmoothing;
    const uniform = eps / c;
    const p = x.sub(lse).exp();
    let term: Expr;
    let grad: Expr;
    if (target instanceof Tensor) {
      // q = (1 − ε)·t + ε/C, Σ_c q_c = (1 − ε)·Σ_c t_c + ε
      const mass = reusableBuffer(op, undefined, this.perRowMass, perRow);
      this.perRowMass = mass;
      target.backend.reduce("sum", 1, n, c, target.storage, 0, mass.storage);
      const q = constant(1 - eps)
        .mul(lazy(target))
        .add(uniform);
      term = q.mul(lse.sub(x));
      grad = constant(s).mul(
        p
          .mul(
            constant(1 - eps)
              .mul(columnVector(mass))
              .add(eps),
          )
          .sub(q),
      );
    } else {
      const labels = reusableBuffer(op, undefined, this.labels, perRow);
      this.labels = labels;
      labels.write(target);
      // Σ_c q_c (lse − x_c) = (1 − ε)(lse − x_label) + (ε/C) Σ_c (lse − x_c); Σ_c q_c = 1
      const isLabel = columnIndex().eq(columnVector(labels));
      const d = lse.sub(x);
      term = eps > 0 ? isLabel.select(d.mul(1 - eps), 0).add(d.mul(uniform)) : isLabel.select(d, 0);
      const spread = constant(s).mul(p.sub(uniform));
      grad = isLabel.select(spread.sub(s * (1 - eps)), spread);
    }
    const [total] = evaluate({ shape: [n, c], assign: [[gradient, grad]], sums: [term] });
    this.gradient = gradient;
    return this.reduction === "mean" ? total! / n : total!;
  }

  /** ∂E/∂x = (p·Σq − q)/N (mean) or p·Σq − q (sum); for hard labels Σq = 1: (softmax − onehot)/N. */
  backward(out?: Tensor): Tensor {
    const op = "CrossEntropyLoss";
    return gradientOut(op, lastForward(op, this.gradient), out);
  }
}

/** Throws unless there are `n` labels, each an integer in [0, classes). */
function checkLabels(op: string, labels: Int32Array | readonly number[], n: number, classes: number): void {
  if (!(labels instanceof Int32Array) && !Array.isArray(labels)) {
    throw new LossError(
      `${op}: target must be class indices (Int32Array or number[]) or a probability Tensor, got ${typeof labels}`,
    );
  }
  if (labels.length !== n) {
    throw new ShapeError(`${op}: got ${labels.length} labels for ${n} rows of logits [${n},${classes}]`);
  }
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label))
      throw new LossError(`${op}: label ${label} at index ${i} is not an integer class index`);
    if (label < 0 || label >= classes) {
      throw new LossError(
        `${op}: label ${label} at index ${i} is out of range [0, ${classes}) for ${classes} classes`,
      );
    }
  }
}
