import {
  type Backend,
  type DType,
  evaluate,
  jsBackend,
  lazy,
  type Parameter,
  parameter,
  Rng,
  randomNormal,
  randomUniform,
} from "@backprop/tensor";

/** The conformance problem: E(θ) = ½ Σ c ⊙ (θ − t)², convex, over three parameters of different shapes. */
export interface Quadratic {
  readonly parameters: readonly Parameter[];
  /** Writes ∂E/∂θ = c ⊙ (θ − t) into every grad. */
  gradient(): void;
  /** E(θ) at the current parameters. */
  loss(): number;
}

const SHAPES: Readonly<Record<string, readonly number[]>> = {
  "dense.weight": [3, 4],
  "dense.bias": [4],
  "out.weight": [2, 3],
};

/** A fixed convex quadratic in `dtype` on `backend` (the JS backend by default); `seed` picks θ_0, t and c. */
export function quadratic(dtype: DType, seed = 7, backend: Backend = jsBackend): Quadratic {
  const rng = new Rng(seed);
  const placed = { dtype, backend };
  const parameters = Object.entries(SHAPES).map(([name, shape]) =>
    parameter(name, randomNormal(shape, rng, placed)),
  );
  const targets = parameters.map((p) => randomNormal(p.value.shape, rng, { ...placed, std: 0.5 }));
  const curvature = parameters.map((p) =>
    randomUniform(p.value.shape, rng, { ...placed, low: 0.5, high: 2 }),
  );
  const residual = (i: number) => lazy(parameters[i]!.value).sub(lazy(targets[i]!));
  return {
    parameters,
    gradient(): void {
      parameters.forEach((p, i) => {
        evaluate({ shape: p.value.size, assign: [[p.grad, lazy(curvature[i]!).mul(residual(i))]] });
      });
    },
    loss(): number {
      let e = 0;
      parameters.forEach((p, i) => {
        const r = residual(i);
        e += evaluate({ shape: p.value.size, sums: [lazy(curvature[i]!).mul(r).mul(r).mul(0.5)] })[0]!;
      });
      return e;
    },
  };
}
