/*
 * Tiny layers for the tests (not exported): the gradient checker must not depend on @backprop/layers.
 */
import {
  addRowVector,
  map,
  map2,
  matmul,
  type Parameter,
  parameter,
  type Rng,
  randomNormal,
  sumAxis0,
  type Tensor,
} from "@backprop/tensor";

export interface LinearOptions {
  /** Multiplies the weight gradient (1 is correct; anything else is a bug the checker must find). */
  weightGradientScale?: number;
  /** Multiplies the returned input gradient (1 is correct). */
  inputGradientScale?: number;
  prefix?: string;
}

/** a = z·Wᵀ + b with W stored [out, in]; ∂E/∂W += δᵀ·z, ∂E/∂b += Σ_n δ_n, ∂E/∂z = δ·W. */
export class Linear {
  readonly weight: Parameter;
  readonly bias: Parameter;
  private input: Tensor | undefined;

  constructor(
    inFeatures: number,
    outFeatures: number,
    rng: Rng,
    private readonly options: LinearOptions = {},
  ) {
    const prefix = options.prefix ?? "";
    this.weight = parameter(
      `${prefix}weight`,
      randomNormal([outFeatures, inFeatures], rng, { dtype: "float64" }),
    );
    this.bias = parameter(`${prefix}bias`, randomNormal([outFeatures], rng, { dtype: "float64" }));
  }

  forward(x: Tensor): Tensor {
    this.input = x;
    const a = matmul(x, this.weight.value, { transposeB: true });
    return addRowVector(a, this.bias.value, a);
  }

  backward(dy: Tensor): Tensor {
    const z = this.input!;
    matmul(dy, z, {
      transposeA: true,
      alpha: this.options.weightGradientScale ?? 1,
      beta: 1,
      out: this.weight.grad,
    });
    sumAxis0(dy, this.bias.grad, true);
    return matmul(dy, this.weight.value, { alpha: this.options.inputGradientScale ?? 1 });
  }

  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }
}

/** Elementwise h(a) with derivative h'(a): backward is δ ⊙ h'(a). */
export class Activation {
  private input: Tensor | undefined;

  constructor(
    private readonly h: (a: number) => number,
    private readonly dh: (a: number) => number,
  ) {}

  forward(x: Tensor): Tensor {
    this.input = x;
    return map(x, this.h);
  }

  backward(dy: Tensor): Tensor {
    return map2(this.input!, dy, (a, d) => this.dh(a) * d);
  }

  parameters(): Parameter[] {
    return [];
  }
}

export const tanh = (): Activation => new Activation(Math.tanh, (a) => 1 - Math.tanh(a) ** 2);
/** ReLU max(a, 0) with h'(0) = 1: a kink at 0. */
export const relu = (): Activation =>
  new Activation(
    (a) => Math.max(a, 0),
    (a) => (a >= 0 ? 1 : 0),
  );

/** Layers applied in order; backward in reverse. */
export class Chain {
  constructor(private readonly layers: readonly (Linear | Activation)[]) {}

  forward(x: Tensor): Tensor {
    return this.layers.reduce((z, layer) => layer.forward(z), x);
  }

  backward(dy: Tensor): Tensor {
    return this.layers.reduceRight((d, layer) => layer.backward(d), dy);
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((layer) => layer.parameters());
  }
}
