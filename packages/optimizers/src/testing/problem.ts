import { type DType, type Parameter, parameter, Rng, randomNormal, randomUniform } from "@backprop/tensor";

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

/** A fixed convex quadratic in `dtype`; `seed` picks θ_0, t and c. */
export function quadratic(dtype: DType, seed = 7): Quadratic {
  const rng = new Rng(seed);
  const parameters = Object.entries(SHAPES).map(([name, shape]) =>
    parameter(name, randomNormal(shape, rng, { dtype })),
  );
  const targets = parameters.map((p) => randomNormal(p.value.shape, rng, { dtype, std: 0.5 }));
  const curvature = parameters.map((p) => randomUniform(p.value.shape, rng, { dtype, low: 0.5, high: 2 }));
  return {
    parameters,
    gradient(): void {
      parameters.forEach((p, i) => {
        const [theta, g, t, c] = [p.value.data, p.grad.data, targets[i]!.data, curvature[i]!.data];
        for (let j = 0; j < theta.length; j++) g[j] = c[j]! * (theta[j]! - t[j]!);
      });
    },
    loss(): number {
      let e = 0;
      parameters.forEach((p, i) => {
        const [theta, t, c] = [p.value.data, targets[i]!.data, curvature[i]!.data];
        for (let j = 0; j < theta.length; j++) e += 0.5 * c[j]! * (theta[j]! - t[j]!) ** 2;
      });
      return e;
    },
  };
}
