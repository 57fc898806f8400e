import type { Backend, CpuStorage as Storage } from "./backend.js";
import { TensorError } from "./errors.js";

/** Activations the fused dense-layer epilogue applies: h(x) = x or h(x) = max(x, 0). */
export type FusedActivation = "identity" | "relu";

/** How softmaxCrossEntropy reduces over the batch: the mean (scale 1/m) or the sum. */
export type Reduction = "mean" | "sum";

/** SGD hyper-parameters (PyTorch's conventions). */
export interface SgdStepOptions {
  /** η, the learning rate. */
  lr: number;
  /** μ; 0 (default) is plain gradient descent and needs no velocity buffer. */
  momentum?: number;
  /** λ, L2 weight decay added to the gradient: g ← g + λ·w. Default 0. */
  weightDecay?: number;
  /** Nesterov momentum: step along g + μ·v instead of v. Default false. */
  nesterov?: boolean;
}

/** Adam / AdamW hyper-parameters (PyTorch's conventions and defaults). */
export interface AdamStepOptions {
  /** η, the learning rate. */
  lr: number;
  /** The step number t ≥ 1 of this update (bias corrections use β^t). */
  step: number;
  /** β1, default 0.9. */
  beta1?: number;
  /** β2, default 0.999. */
  beta2?: number;
  /** ε, default 1e-8. */
  eps?: number;
  /** λ, default 0: Adam adds λ·w to the gradient, AdamW (decoupled) shrinks w ← w − η·λ·w. */
  weightDecay?: number;
  /** AdamW's decoupled weight decay instead of Adam's L2 term. Default false. */
  decoupled?: boolean;
}

/**
 * Fused kernels of a training step, an optional extension of a `Backend`: each does in one pass what
 * would otherwise take several elementwise ops and temporaries. Storages are the backend's own;
 * `out` may be the same storage as an input where noted.
 */
export interface FusedOps {
  /**
   * Dense-layer forward epilogue, a^(l) = W z + b then z = h(a): out[i, j] = h(x[i, j] + b[j]) for
   * an m×n matrix x (bias null: h(x[i, j])). out may be x.
   */
  biasActivation(
    m: number,
    n: number,
    x: Storage,
    bias: Storage | null,
    activation: FusedActivation,
    out: Storage,
  ): void;
  /**
   * ReLU backward, δ^(l-1) = h′(a^(l-1)) ⊙ g with h′(a) = [a > 0]: out[i] = a[i] > 0 ? g[i] : 0.
   * `a` may be the pre- or the post-activation (relu(a) > 0 ⇔ a > 0). out may be g.
   */
  reluBackward(length: number, a: Storage, g: Storage, out: Storage): void;
  /**
   * Softmax cross-entropy over the rows of m×n logits x with integer class labels t:
   * E = −Σ_i log softmax(x_i)[t_i] (divided by m for "mean"), computed stably as
   * log Σ_j e^{x_ij − max_j x_ij} − (x_{i,t_i} − max_j x_ij). Returns E; if `grad` is given also writes
   * ∂E/∂x_ij = softmax(x_i)_j − [j = t_i] (divided by m for "mean"). grad may be x.
   */
  softmaxCrossEntropy(
    m: number,
    n: number,
    logits: Storage,
    labels: ArrayLike<number>,
    grad: Storage | null,
    reduction: Reduction,
  ): number;
  /**
   * SGD, in place on `param` (and `velocity`): g ← g + λ·w; v ← μ·v + g;
   * w ← w − η·(nesterov ? g + μ·v : v); with μ = 0, w ← w − η·g and velocity may be null.
   */
  sgdStep(
    length: number,
    param: Storage,
    grad: Storage,
    velocity: Storage | null,
    options: SgdStepOptions,
  ): void;
  /**
   * Adam / AdamW, in place on `param`, `m` and `v`:
   * m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  w ← w − η/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε),
   * with Adam's g ← g + λ·w or AdamW's w ← w − η·λ·w before the step. Moments smaller in magnitude than
   * the smallest normal number of the dtype (float32: 1.17549435e-38) are flushed to 0: exact-zero
   * ReLU gradients make β1^t·m decay into subnormals, which CPUs compute on a slow path.
   */
  adamStep(
    length: number,
    param: Storage,
    grad: Storage,
    m: Storage,
    v: Storage,
    options: AdamStepOptions,
  ): void;
}

/** True when `backend` also implements the fused kernels. */
export function hasFusedOps<B extends Backend>(backend: B): backend is B & FusedOps {
  const candidate = backend as Partial<FusedOps>;
  return (
    typeof candidate.biasActivation === "function" &&
    typeof candidate.reluBackward === "function" &&
    typeof candidate.softmaxCrossEntropy === "function" &&
    typeof candidate.sgdStep === "function" &&
    typeof candidate.adamStep === "function"
  );
}

/** Smallest normal float32, 2^-126 ≈ 1.17549435e-38. */
export const MIN_NORMAL_FLOAT32 = 2 ** -126;
/** Smallest normal float64, 2^-1022 ≈ 2.2250738585072014e-308. */
export const MIN_NORMAL_FLOAT64 = 2 ** -1022;

/** Throws unless every label is an integer class index in [0, n) and there are m of them. */
export function checkLabels(labels: ArrayLike<number>, m: number, n: number): void {
  if (labels.length !== m) {
    throw new TensorError(`softmaxCrossEntropy: ${m} rows of logits but ${labels.length} labels`);
  }
  for (let i = 0; i < m; i++) {
    const t = labels[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= n) {
      throw new TensorError(`softmaxCrossEntropy: label ${i} is ${t}, expected an integer in [0, ${n})`);
    }
  }
}

/** The SGD options with defaults filled in, checked (momentum needs a velocity buffer). */
export function resolveSgd(options: SgdStepOptions, velocity: Storage | null): Required<SgdStepOptions> {
  const resolved = { momentum: 0, weightDecay: 0, nesterov: false, ...options };
  if (resolved.momentum !== 0 && velocity === null) {
    throw new TensorError(`sgdStep: momentum ${resolved.momentum} needs a velocity buffer, got null`);
  }
  return resolved;
}

/** The Adam options with defaults filled in, checked (t must be a positive integer). */
export function resolveAdam(options: AdamStepOptions): Required<AdamStepOptions> {
  if (!Number.isInteger(options.step) || options.step < 1) {
    throw new TensorError(`adamStep: step must be an integer ≥ 1, got ${options.step}`);
  }
  return { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, ...options };
}
