import { checkSameShape, hasFusedOps, map, map2, type Tensor } from "@backprop/tensor";
import {
  elu,
  eluDerivative,
  gelu,
  geluDerivative,
  geluTanh,
  geluTanhDerivative,
  leakyRelu,
  leakyReluDerivative,
  relu,
  reluDerivative,
  sigmoid,
  sigmoidDerivative,
  silu,
  siluDerivative,
  softplus,
  softplusDerivative,
  tanhDerivative,
} from "./activation-functions.js";
import { LayerError } from "./errors.js";
import { BaseLayer, type LayerConfig, type Module } from "./layer.js";
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from "./softmax-functions.js";

/**
 * An activation applied elementwise: forward z = h(a), backward δ_a = h′(a) ⊙ δ_z, the factor the
 * notes' δ^(l-1) = h′(a^(l-1)) ⊙ (W^(l-1))ᵀ δ^(l) takes from the activation (the Dense layer before
 * it supplies (W^(l-1))ᵀ δ^(l)). Works on any shape, float32 or float64.
 */
export abstract class ElementwiseActivation extends BaseLayer {
  private input: Tensor | undefined;
  private readonly applyH = (a: number): number => this.h(a);
  private readonly applyChainRule = (a: number, dz: number): number => this.dh(a) * dz;

  /** h(a) */
  abstract h(a: number): number;
  /** h′(a) */
  abstract dh(a: number): number;

  /** z = h(a) */
  forward(a: Tensor): Tensor {
    this.input = a;
    return this.activate(a, this.buffers.get("output", a.shape, a));
  }

  /** δ_a = h′(a) ⊙ δ_z */
  backward(dz: Tensor): Tensor {
    const a = this.checkBackward(this.input, dz, this.input?.shape ?? []);
    return this.chainRule(a, dz, this.buffers.get("dx", a.shape, a));
  }

  /** out = h(a), elementwise through `h`; a subclass may run a backend kernel instead. */
  protected activate(a: Tensor, out: Tensor): Tensor {
    return map(a, this.applyH, out);
  }

  /** out = h′(a) ⊙ δ_z, elementwise through `dh`; a subclass may run a backend kernel instead. */
  protected chainRule(a: Tensor, dz: Tensor, out: Tensor): Tensor {
    return map2(a, dz, this.applyChainRule, out);
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
  h(a: number): number {
    return a;
  }
  dh(): number {
    return 1;
  }
}

/** σ(a) = 1/(1 + e^{−a}), σ′ = σ(1 − σ). */
export class Sigmoid extends ElementwiseActivation {
  readonly type = "Sigmoid";
  h(a: number): number {
    return sigmoid(a);
  }
  dh(a: number): number {
    return sigmoidDerivative(a);
  }
}

/** tanh(a), tanh′ = 1 − tanh². */
export class Tanh extends ElementwiseActivation {
  readonly type = "Tanh";
  h(a: number): number {
    return Math.tanh(a);
  }
  dh(a: number): number {
    return tanhDerivative(a);
  }
}

/**
 * ReLU(a) = max(a, 0), ReLU′ = 1[a > 0]. On a backend with fused ops (`hasFusedOps`) both directions
 * run its kernels: z = max(a, 0) as `biasActivation` without bias, δ_a = [a > 0] ? δ_z : 0 as
 * `reluBackward` (which, like PyTorch, gives 0 where a ≤ 0 even for a non-finite δ_z).
 */
export class ReLU extends ElementwiseActivation {
  readonly type = "ReLU";
  h(a: number): number {
    return relu(a);
  }
  dh(a: number): number {
    return reluDerivative(a);
  }
  protected override activate(a: Tensor, out: Tensor): Tensor {
    const backend = a.backend;
    if (!hasFusedOps(backend)) return super.activate(a, out);
    backend.biasActivation(1, a.size, a.storage, null, "relu", out.storage);
    return out;
  }
  protected override chainRule(a: Tensor, dz: Tensor, out: Tensor): Tensor {
    const backend = a.backend;
    if (!hasFusedOps(backend)) return super.chainRule(a, dz, out);
    checkSameShape("ReLU.backward", a, dz);
    backend.reluBackward(a.size, a.storage, dz.storage, out.storage);
    return out;
  }
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
  constructor(options: { slope?: number | undefined } = {}) {
    super();
    this.slope = finiteOption("LeakyReLU", "slope", options.slope ?? 0.01);
  }
  h(a: number): number {
    return leakyRelu(a, this.slope);
  }
  dh(a: number): number {
    return leakyReluDerivative(a, this.slope);
  }
  override toConfig(): LayerConfig {
    return { type: this.type, slope: this.slope };
  }
}

/** ELU(a) = a if a > 0 else α(e^{a} − 1) (default α = 1). */
export class ELU extends ElementwiseActivation {
  readonly type = "ELU";
  readonly alpha: number;
  constructor(options: { alpha?: number | undefined } = {}) {
    super();
    this.alpha = finiteOption("ELU", "alpha", options.alpha ?? 1);
  }
  h(a: number): number {
    return elu(a, this.alpha);
  }
  dh(a: number): number {
    return eluDerivative(a, this.alpha);
  }
  override toConfig(): LayerConfig {
    return { type: this.type, alpha: this.alpha };
  }
}

/** GELU(a) = a·Φ(a) (approximate "none", exact erf) or its tanh approximation (approximate "tanh"). */
export class GELU extends ElementwiseActivation {
  readonly type = "GELU";
  readonly approximate: "none" | "tanh";
  constructor(options: { approximate?: "none" | "tanh" | undefined } = {}) {
    super();
    const approximate = options.approximate ?? "none";
    if (approximate !== "none" && approximate !== "tanh") {
      throw new LayerError(`GELU: approximate must be "none" or "tanh", got ${JSON.stringify(approximate)}`);
    }
    this.approximate = approximate;
  }
  h(a: number): number {
    return this.approximate === "tanh" ? geluTanh(a) : gelu(a);
  }
  dh(a: number): number {
    return this.approximate === "tanh" ? geluTanhDerivative(a) : geluDerivative(a);
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
  constructor(options: { beta?: number | undefined; threshold?: number | undefined } = {}) {
    super();
    this.beta = finiteOption("Softplus", "beta", options.beta ?? 1, true);
    this.threshold = finiteOption("Softplus", "threshold", options.threshold ?? 20);
  }
  h(a: number): number {
    return softplus(a, this.beta, this.threshold);
  }
  dh(a: number): number {
    return softplusDerivative(a, this.beta, this.threshold);
  }
  override toConfig(): LayerConfig {
    return { type: this.type, beta: this.beta, threshold: this.threshold };
  }
}

/** SiLU(a) = a·σ(a), SiLU′ = σ(1 + a(1 − σ)). */
export class SiLU extends ElementwiseActivation {
  readonly type = "SiLU";
  h(a: number): number {
    return silu(a);
  }
  dh(a: number): number {
    return siluDerivative(a);
  }
}

/**
 * Softmax over the last axis, [h(a)]_i = e^{a_i}/Σ_j e^{a_j} (stable); backward is the full
 * Jacobian–vector product δ_a = y ⊙ (δ_y − Σ_j δ_{y,j} y_j), not an elementwise h′.
 */
export class Softmax extends BaseLayer {
  readonly type = "Softmax";
  private output: Tensor | undefined;

  forward(a: Tensor): Tensor {
    this.output = softmax(a, this.buffers.get("output", a.shape, a));
    return this.output;
  }

  backward(dy: Tensor): Tensor {
    const y = this.checkBackward(this.output, dy, this.output?.shape ?? []);
    return softmaxBackward(y, dy, this.buffers.get("dx", y.shape, y));
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
    this.output = logSoftmax(a, this.buffers.get("output", a.shape, a));
    return this.output;
  }

  backward(dy: Tensor): Tensor {
    const y = this.checkBackward(this.output, dy, this.output?.shape ?? []);
    return logSoftmaxBackward(y, dy, this.buffers.get("dx", y.shape, y));
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
