import {
  type Backend,
  type DType,
  type Expr,
  evaluate,
  formatShape,
  isDType,
  lazy,
  matmul,
  type Parameter,
  parameter,
  Rng,
  rowVector,
  sumAxis0,
  type Tensor,
  writeGradient,
  zeros,
} from "@backprop/tensor";
import type { ElementwiseActivation } from "./activations.js";
import { LayerError } from "./errors.js";
import { computeFans, type InitializerLike, initializer, linearDefaultBias } from "./init.js";
import { BaseLayer, type LayerConfig } from "./layer.js";

/** Options of a `Dense` layer: bias on or off, the initialisers, dtype and backend. */
export interface DenseOptions {
  /** Add a bias b (default true). Without it the layer is exactly the notes' a = W z. */
  bias?: boolean | undefined;
  /** Weight initialiser; default PyTorch nn.Linear's, W ~ U(−1/√in, 1/√in) (see `linearDefaultWeight`). */
  init?: InitializerLike | undefined;
  /** Bias initialiser; default PyTorch nn.Linear's, b ~ U(−1/√in, 1/√in). */
  biasInit?: InitializerLike | undefined;
  /** float32 (default) or float64. */
  dtype?: DType | undefined;
  /** Backend of the weights (inputs must live on the same one); the JS backend by default. */
  backend?: Backend | undefined;
  /** Generator for the initial weights (drawn weight first, row-major, then bias). */
  rng?: Rng | undefined;
  /** Seed for a new generator when no `rng` is given (default 0). */
  seed?: number | undefined;
}

function checkFeatures(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new LayerError(`Dense: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * A fully connected layer, the notes' a^(l) = W^(l-1) z^(l-1) (+ b), for a batch of rows z:
 * a = z·Wᵀ + b. The weight is stored [out, in] like PyTorch's nn.Linear and the notes'
 * W^(l-1) ∈ R^{I_l × I_{l-1}}, so a PyTorch state_dict loads unchanged.
 */
export class Dense extends BaseLayer {
  readonly type = "Dense";
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** W^(l-1), shape [out, in]. */
  readonly weight: Parameter;
  /** b^(l-1), shape [out]; undefined without bias. */
  readonly bias: Parameter | undefined;
  private readonly params: Parameter[];
  private input: Tensor | undefined;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    super();
    this.inFeatures = checkFeatures("inFeatures", inFeatures);
    this.outFeatures = checkFeatures("outFeatures", outFeatures);
    const dtype = options.dtype ?? "float32";
    if (!isDType(dtype))
      throw new LayerError(`Dense: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
    const create = { dtype, ...(options.backend === undefined ? {} : { backend: options.backend }) };
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    const weight = zeros([outFeatures, inFeatures], create);
    const fans = computeFans(weight.shape);
    initializer(options.init ?? "default")(weight, rng, fans);
    this.weight = parameter("weight", weight);
    if (options.bias ?? true) {
      const bias = zeros([outFeatures], create);
      initializer(options.biasInit ?? linearDefaultBias())(bias, rng, fans);
      this.bias = parameter("bias", bias);
    }
    this.params = this.bias === undefined ? [this.weight] : [this.weight, this.bias];
  }

  get dtype(): DType {
    return this.weight.value.dtype;
  }

  /** a^(l) = W^(l-1) z^(l-1) + b, batched: a = z·Wᵀ + b (gemm with transposeB, then one pass adding the bias). */
  forward(z: Tensor): Tensor {
    const a = this.product(z);
    const preactivation = this.preactivation(a);
    if (preactivation !== undefined)
      evaluate({ shape: a.shape as [number, number], assign: [[a, preactivation]] });
    return a;
  }

  /**
   * `activation.forward(this.forward(z))` with the bias and the activation in one pass after the
   * gemm: a = z·Wᵀ (gemm), then a ← a + b and z' = h(a) together (what Sequential runs for a Dense
   * layer followed by an elementwise activation).
   */
  forwardActivated(z: Tensor, activation: ElementwiseActivation): Tensor {
    const a = this.product(z);
    const preactivation = this.preactivation(a);
    return preactivation === undefined ? activation.forward(a) : activation.forwardFrom(a, preactivation);
  }

  /** z·Wᵀ into the layer's output buffer, after checking z. */
  private product(z: Tensor): Tensor {
    if (z.rank !== 2 || z.shape[1] !== this.inFeatures) {
      throw new LayerError(
        `Dense(${this.inFeatures}→${this.outFeatures}).forward: expected input [batch, ${this.inFeatures}], got ${formatShape(z.shape)}`,
      );
    }
    if (z.dtype !== this.dtype) {
      throw new LayerError(
        `Dense(${this.inFeatures}→${this.outFeatures}).forward: input is ${z.dtype}, the weights are ${this.dtype}`,
      );
    }
    this.input = z;
    return matmul(z, this.weight.value, {
      transposeB: true,
      out: this.buffers.get("output", [z.shape[0]!, this.outFeatures], z),
    });
  }

  /** a + b with the bias broadcast down the rows, or undefined without bias (a is then complete). */
  private preactivation(a: Tensor): Expr | undefined {
    return this.bias === undefined ? undefined : lazy(a).add(rowVector(this.bias.value));
  }

  /**
   * Given δ^(l) = ∂E/∂a^(l) for a batch (rows δ_n):
   * - ∂E/∂W^(l-1) = δ^(l) z^(l-1)ᵀ, summed over the batch: ∂E/∂W += δᵀ·z;
   * - ∂E/∂b += Σ_n δ_n (a sum over axis 0);
   * - returns (W^(l-1))ᵀ δ^(l) per row, i.e. δ·W: the factor of δ^(l-1) = h′(a^(l-1)) ⊙ (W^(l-1))ᵀ δ^(l)
   *   that the activation before this layer multiplies by h′.
   */
  backward(delta: Tensor): Tensor {
    const z = this.accumulateGradients(delta);
    return matmul(delta, this.weight.value, { out: this.buffers.get("dx", z.shape, z) });
  }

  /** ∂E/∂W += δᵀ·z and ∂E/∂b += Σ_n δ_n only: no δ·W, for a first layer whose input is data. */
  backwardParameters(delta: Tensor): void {
    this.accumulateGradients(delta);
  }

  /** Checks δ against the last forward, accumulates ∂E/∂W and ∂E/∂b, and returns that forward's input z. */
  private accumulateGradients(delta: Tensor): Tensor {
    const z = this.checkBackward(this.input, delta, [this.input?.shape[0] ?? 0, this.outFeatures]);
    writeGradient(this.weight, (grad, accumulate) =>
      matmul(delta, z, { transposeA: true, beta: accumulate ? 1 : 0, out: grad }),
    );
    if (this.bias !== undefined)
      writeGradient(this.bias, (grad, accumulate) => sumAxis0(delta, grad, accumulate));
    return z;
  }

  override parameters(): Parameter[] {
    return this.params;
  }

  outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length < 1 || inputShape[inputShape.length - 1] !== this.inFeatures) {
      throw new LayerError(
        `Dense(${this.inFeatures}→${this.outFeatures}): input shape ${formatShape(inputShape)} does not end in ${this.inFeatures}`,
      );
    }
    return [...inputShape.slice(0, -1), this.outFeatures];
  }

  toConfig(): LayerConfig {
    return {
      type: this.type,
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      bias: this.bias !== undefined,
      dtype: this.dtype,
    };
  }
}
