import { checkSameShape, type Expr, evaluate, lazy, type Tensor } from "@backprop/tensor";
import {
  type ActivationFunction,
  elu,
  gelu,
  geluTanh,
  identity,
  leakyRelu,
  relu,
  sigmoid,
  silu,
  softplus,
  tanh,
} from "./activation-functions.js";
import type { Buffers } from "./buffers.js";
import { LayerError } from "./errors.js";
import { BaseLayer, type LayerConfig, type Module } from "./layer.js";
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from "./softmax-functions.js";

/**
 * An activation applied elementwise: forward z = h(a), backward δ_a = h′(a) ⊙ δ_z, the factor the
 * notes' δ^(l-1) = h′(a^(l-1)) ⊙ (W^(l-1))ᵀ δ^(l) takes from the activation (the Dense layer before
 * it supplies (W^(l-1))ᵀ δ^(l)). Each direction is one `evaluate` of the activation's expression on
 * the tensors' backend. Works on any shape, float32 or float64.
 */
export abstract class ElementwiseActivation extends BaseLayer {
  private input: Tensor | undefined;

  /** h and h′ as expressions (activation-functions.ts). */
  abstract readonly fn: ActivationFunction;

  /** z = h(a) */
  forward(a: Tensor): Tensor {
    return this.activate(a, undefined);
  }

  /**
   * a ← `preactivation` and z = h(a) in one pass, where `preactivation` is an expression the caller
   * built (Dense's epilogue: a = z·Wᵀ + b, stored into its gemm output `a`, then z' = h(a)). `a` is
   * kept as this layer's input, as `forward(a)` would.
   */
  forwardFrom(a: Tensor, preactivation: Expr): Tensor {
    return this.activate(a, preactivation);
  }

  private activate(a: Tensor, preactivation: Expr | undefined): Tensor {
    this.input = a;
    const out = this.buffers.get("output", a.shape, a);
    const z: [Tensor, Expr] = [out, this.fn.h(preactivation ?? lazy(a))];
    // A rank-2 space for Dense's epilogue, whose bias is a row vector; any shape is flat otherwise.
    const space = a.rank === 2 ? (a.shape as [number, number]) : a.size;
    evaluate({ shape: space, assign: preactivation === undefined ? [z] : [[a, preactivation], z] });
    return out;
  }

  /** δ_a = h′(a) ⊙ δ_z */
  backward(dz: Tensor): Tensor {
    const a = this.checkBackward(this.input, dz, this.input?.shape ?? []);
    checkSameShape(`${this.type}.backward`, a, dz);
    const dx = this.buffers.get("dx", a.shape, a);
    evaluate({ shape: a.size, assign: [[dx, this.fn.chainRule(lazy(a), lazy(dz))]] });
    return dx;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  toConfig(): LayerConfig {
    return { type: this.type };
  }
}

/** h^(0) = I: the identity, z = a (the notes' input "activation"). */
export class Identity extends ElementwiseActivation {
  readonly type = "Identity";
  readonly fn = identity;
}

/** σ(a) = 1/(1 + e^{−a}), σ′ = σ(1 − σ). */
export class Sigmoid extends ElementwiseActivation {
  readonly type = "Sigmoid";
  readonly fn = sigmoid;
}

/** tanh(a), tanh′ = 1 − tanh². */
export class Tanh extends ElementwiseActivation {
  readonly type = "Tanh";
  readonly fn = tanh;
}

/** ReLU(a) = max(a, 0), ReLU′ = 1[a > 0] (δ_a is 0 where a ≤ 0, whatever δ_z is, as PyTorch). */
export class ReLU extends ElementwiseActivation {
  readonly type = "ReLU";
  readonly fn = relu;
}

function finiteOption(layer: string, name: string, value: number, positive = false): number {
  if (!Number.isFinite(value) || (positive && value <= 0)) {
    throw new LayerError(
      `${layer}: ${name} must be a ${positive ? "positive " : ""}finite number, got ${value}`,
    );
  }
  return value;
}

/** LeakyReLU(a) = a if a > 0 else slope·a (default slope 0.01, as PyTorch's negative_slope). */
export class LeakyReLU extends ElementwiseActivation {
  readonly type = "LeakyReLU";
  readonly slope: number;
  readonly fn: ActivationFunction;
  constructor(options: { slope?: number | undefined } = {}) {
    super();
    this.slope = finiteOption("LeakyReLU", "slope", options.slope ?? 0.01);
    this.fn = leakyRelu(this.slope);
  }
  override toConfig(): LayerConfig {
    return { type: this.type, slope: this.slope };
  }
}

/** ELU(a) = a if a > 0 else α(e^{a} − 1) (default α = 1). */
export class ELU extends ElementwiseActivation {
  readonly type = "ELU";
  readonly alpha: number;
  readonly fn: ActivationFunction;
  constructor(options: { alpha?: number | undefined } = {}) {
    super();
    this.alpha = finiteOption("ELU", "alpha", options.alpha ?? 1);
    this.fn = elu(this.alpha);
  }
  override toConfig(): LayerConfig {
    return { type: this.type, alpha: this.alpha };
  }
}

/** GELU(a) = a·Φ(a) (approximate "none", exact erf) or its tanh approximation (approximate "tanh"). */
export class GELU extends ElementwiseActivation {
  readonly type = "GELU";
  readonly approximate: "none" | "tanh";
  readonly fn: ActivationFunction;
  constructor(options: { approximate?: "none" | "tanh" | undefined } = {}) {
    super();
    const approximate = options.approximate ?? "none";
    if (approximate !== "none" && approximate !== "tanh") {
      throw new LayerError(`GELU: approximate must be "none" or "tanh", got ${JSON.stringify(approximate)}`);
    }
    this.approximate = approximate;
    this.fn = approximate === "tanh" ? geluTanh : gelu;
  }
  override toConfig(): LayerConfig {
    return { type: this.type, approximate: this.approximate };
  }
}

/** softplus(a) = (1/β) log(1 + e^{βa}), linear once βa > threshold (PyTorch's β = 1, threshold = 20). */
export class Softplus extends ElementwiseActivation {
  readonly type = "Softplus";
  readonly beta: number;
  readonly threshold: number;
  readonly fn: ActivationFunction;
  constructor(options: { beta?: number | undefined; threshold?: number | undefined } = {}) {
    super();
    this.beta = finiteOption("Softplus", "beta", options.beta ?? 1, true);
    this.threshold = finiteOption("Softplus", "threshold", options.threshold ?? 20);
    this.fn = softplus(this.beta, this.threshold);
  }
  override toConfig(): LayerConfig {
    return { type: this.type, beta: this.beta, threshold: this.threshold };
  }
}

/** SiLU(a) = a·σ(a), SiLU′ = σ(1 + a(1 − σ)). */
export class SiLU extends ElementwiseActivation {
  readonly type = "SiLU";
  readonly fn = silu;
}

/** The per-row buffer (one element per row of the last axis) the softmax layers reduce into. */
function rowsOf(buffers: Buffers, x: Tensor): Tensor {
  const n = x.rank === 0 ? 1 : x.shape[x.rank - 1]!;
  return buffers.get("rows", [n === 0 ? 0 : x.size / n], x);
}

/**
 * Softmax over the last axis, [h(a)]_i = e^{a_i}/Σ_j e^{a_j} (stable); backward is the full
 * Jacobian–vector product δ_a = y ⊙ (δ_y − Σ_j δ_{y,j} y_j), not an elementwise h′.
 */
export class Softmax extends BaseLayer {
  readonly type = "Softmax";
  private output: Tensor | undefined;

  forward(a: Tensor): Tensor {
    this.output = softmax(a, this.buffers.get("output", a.shape, a), rowsOf(this.buffers, a));
    return this.output;
  }

  backward(dy: Tensor): Tensor {
    const y = this.checkBackward(this.output, dy, this.output?.shape ?? []);
    return softmaxBackward(y, dy, this.buffers.get("dx", y.shape, y), {
      products: this.buffers.get("products", y.shape, y),
      rows: rowsOf(this.buffers, y),
    });
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  toConfig(): LayerConfig {
    return { type: this.type };
  }
}

/** Log-softmax over the last axis, y_i = a_i − log Σ_j e^{a_j}; backward δ_a = δ_y − e^{y} Σ_j δ_{y,j}. */
export class LogSoftmax extends BaseLayer {
  readonly type = "LogSoftmax";
  private output: Tensor | undefined;

  forward(a: Tensor): Tensor {
    this.output = logSoftmax(a, this.buffers.get("output", a.shape, a), rowsOf(this.buffers, a));
    return this.output;
  }

  backward(dy: Tensor): Tensor {
    const y = this.checkBackward(this.output, dy, this.output?.shape ?? []);
    return logSoftmaxBackward(y, dy, this.buffers.get("dx", y.shape, y), rowsOf(this.buffers, y));
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  toConfig(): LayerConfig {
    return { type: this.type };
  }
}

/** The activations `activation()` and `mlp()` accept by name. */
export const ACTIVATION_NAMES = [
  "identity",
  "sigmoid",
  "tanh",
  "relu",
  "leakyRelu",
  "elu",
  "gelu",
  "geluTanh",
  "softplus",
  "silu",
  "softmax",
  "logSoftmax",
] as const;

/** One of `ACTIVATION_NAMES`. */
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** An activation by name, or with its options. */
export type ActivationSpec =
  | ActivationName
  | { name: "leakyRelu"; slope?: number }
  | { name: "elu"; alpha?: number }
  | { name: "gelu"; approximate?: "none" | "tanh" }
  | { name: "softplus"; beta?: number; threshold?: number };

/** A new activation layer: `activation("relu")`, `activation({ name: "leakyRelu", slope: 0.2 })`. */
export function activation(spec: ActivationSpec): Module {
  if (typeof spec === "object" && spec !== null) {
    switch (spec.name) {
      case "leakyRelu":
        return new LeakyReLU({ slope: spec.slope });
      case "elu":
        return new ELU({ alpha: spec.alpha });
      case "gelu":
        return new GELU({ approximate: spec.approximate });
      case "softplus":
        return new Softplus({ beta: spec.beta, threshold: spec.threshold });
    }
  }
  switch (spec) {
    case "identity":
      return new Identity();
    case "sigmoid":
      return new Sigmoid();
    case "tanh":
      return new Tanh();
    case "relu":
      return new ReLU();
    case "leakyRelu":
      return new LeakyReLU();
    case "elu":
      return new ELU();
    case "gelu":
      return new GELU();
    case "geluTanh":
      return new GELU({ approximate: "tanh" });
    case "softplus":
      return new Softplus();
    case "silu":
      return new SiLU();
    case "softmax":
      return new Softmax();
    case "logSoftmax":
      return new LogSoftmax();
  }
  throw new LayerError(`activation: unknown activation ${JSON.stringify(spec)}`);
}
