import { checkRank, copy, formatShape, hasFusedOps, ShapeError, Tensor } from "@backprop/tensor";
import { checkNotEmpty, checkReduction, checkTarget, lastForward, reusableBuffer } from "./check.js";
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
 *   E = (1/N) Σ_n Σ_c −q_nc log p_nc                     (or the sum over n)
 *   ∂E/∂x_nc = (1/N) (p_nc Σ_c' q_nc' − q_nc)            = (softmax − onehot)/N for hard labels
 *
 * where q is the one-hot label or the probability target, smoothed to (1 − ε)·q + ε/C when
 * `labelSmoothing` is ε. Labels must be integers in [0, C) (they are copied at forward); probability
 * targets must be [N, C] and are read again by backward, so leave them unchanged in between.
 *
 * Class labels without smoothing on a backend with fused ops (`hasFusedOps`) run its
 * `softmaxCrossEntropy` kernel: forward computes E and ∂E/∂x in one pass and keeps ∂E/∂x, which
 * backward copies out.
 */
export class CrossEntropyLoss implements Loss<ClassTarget> {
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  /** What the last forward kept for backward: softmax(x), or ∂E/∂x itself when `fused`. */
  private saved: Tensor | undefined;
  /** Whether the last forward ran the backend's fused kernel (then `saved` holds ∂E/∂x). */
  private fused = false;
  /** The last forward's probability target, or undefined when it had class labels (then in `labels`). */
  private soft: Tensor | undefined;
  /** A copy of the last forward's class labels (reused while the batch size stays). */
  private labels = new Int32Array(0);
  private gradient: Tensor | undefined;

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
    this.saved = reusableBuffer(op, undefined, this.saved, logits);
    this.soft = target instanceof Tensor ? target : undefined;
    if (!(target instanceof Tensor)) {
      if (this.labels.length !== n) this.labels = new Int32Array(n);
      this.labels.set(target);
    }
    const backend = logits.backend;
    this.fused = false;
    if (this.soft === undefined && this.labelSmoothing === 0 && hasFusedOps(backend)) {
      this.fused = true;
      // E = (1/N) Σ_n (lse_n − x_{n,t_n}), and ∂E/∂x = (softmax − onehot)/N kept for backward.
      return backend.softmaxCrossEntropy(
        n,
        c,
        logits.storage,
        this.labels,
        this.saved.storage,
        this.reduction,
      );
    }
    const x = logits.data;
    const p = this.saved.data;
    const t = this.soft?.data;
    const labels = this.labels;
    const eps = this.labelSmoothing;
    const uniform = eps / c;
    let total = 0;
    for (let row = 0; row < n; row++) {
      const base = row * c;
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < c; j++) m = Math.max(m, x[base + j]!);
      let sumExp = 0;
      for (let j = 0; j < c; j++) {
        const e = Math.exp(x[base + j]! - m);
        p[base + j] = e;
        sumExp += e;
      }
      const lse = m + Math.log(sumExp);
      for (let j = 0; j < c; j++) p[base + j] = p[base + j]! / sumExp;
      // Σ_c −q_c log p_c = Σ_c q_c (lse − x_c)
      if (t === undefined) {
        const label = labels[row]!;
        let spread = 0;
        if (eps > 0) for (let j = 0; j < c; j++) spread += lse - x[base + j]!;
        total += (1 - eps) * (lse - x[base + label]!) + uniform * spread;
      } else {
        for (let j = 0; j < c; j++) total += ((1 - eps) * t[base + j]! + uniform) * (lse - x[base + j]!);
      }
    }
    return this.reduction === "mean" ? total / n : total;
  }

  /** ∂E/∂x = (p·Σq − q)/N (mean) or p·Σq − q (sum); for hard labels Σq = 1: (softmax − onehot)/N. */
  backward(out?: Tensor): Tensor {
    const op = "CrossEntropyLoss";
    const saved = lastForward(op, this.saved);
    const gradient = reusableBuffer(op, out, this.gradient, saved);
    if (out === undefined) this.gradient = gradient;
    if (this.fused) return copy(saved, gradient);
    const [n, c] = saved.shape as [number, number];
    const s = this.reduction === "mean" ? 1 / n : 1;
    const eps = this.labelSmoothing;
    const uniform = eps / c;
    const p = saved.data;
    const g = gradient.data;
    if (this.soft !== undefined) {
      const t = this.soft.data;
      for (let row = 0; row < n; row++) {
        const base = row * c;
        let mass = 0;
        for (let j = 0; j < c; j++) mass += (1 - eps) * t[base + j]! + uniform;
        for (let j = 0; j < c; j++)
          g[base + j] = s * (p[base + j]! * mass - ((1 - eps) * t[base + j]! + uniform));
      }
    } else {
      for (let row = 0; row < n; row++) {
        const base = row * c;
        const label = base + this.labels[row]!;
        for (let j = 0; j < c; j++) g[base + j] = s * (p[base + j]! - uniform);
        g[label] = g[label]! - s * (1 - eps);
      }
    }
    return gradient;
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
