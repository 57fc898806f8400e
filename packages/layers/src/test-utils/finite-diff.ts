/*
 * Test-only centred-difference gradient check (float64, ε = 1e-6), until the tests switch to
 * @backprop/gradcheck. E(x, θ) = Σ r ⊙ layer.forward(x) with a fixed random projection r, so
 * backward(r) must return ∂E/∂x and accumulate ∂E/∂θ.
 */
import { dot, type Parameter, Rng, randomNormal, type Tensor } from "@backprop/tensor";
import type { Layer } from "../layer.js";

export interface FiniteDiffOptions {
  eps?: number;
  seed?: number;
  /**
   * Relative errors are |a − n| / max(|a|, |n|, floor): gradients below `floor` are compared with an
   * absolute tolerance of floor × the relative one (centred differences of an O(1) loss carry ~1e-9
   * of rounding noise). Default 1e-2.
   */
  floor?: number;
}

export interface FiniteDiffReport {
  /** The largest relative error over dE/dx and every parameter's gradient. */
  maxRelError: number;
  /** Where it occurred, e.g. "x[3]" or "0.weight[5]". */
  worst: string;
}

export function checkGradients(layer: Layer, x: Tensor, options: FiniteDiffOptions = {}): FiniteDiffReport {
  const eps = options.eps ?? 1e-6;
  const floor = options.floor ?? 1e-2;
  const rng = new Rng(options.seed ?? 12345);
  const r = randomNormal(layer.forward(x).shape, rng, { dtype: "float64" });
  const energy = (): number => dot(r, layer.forward(x));

  const params: Parameter[] = layer.parameters();
  for (const p of params) p.grad.data.fill(0);
  layer.forward(x);
  const analyticX = layer.backward(r).clone();
  const analyticParams = params.map((p) => p.grad.clone());

  let maxRelError = 0;
  let worst = "(nothing checked)";
  const compare = (target: Tensor, analytic: Tensor, label: string): void => {
    const data = target.data;
    for (let i = 0; i < data.length; i++) {
      const saved = data[i]!;
      data[i] = saved + eps;
      const plus = energy();
      data[i] = saved - eps;
      const minus = energy();
      data[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic.data[i]!;
      const error = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), floor);
      if (error >= maxRelError) {
        maxRelError = error;
        worst = `${label}[${i}] analytic ${a} numeric ${numeric}`;
      }
    }
  };
  compare(x, analyticX, "x");
  params.forEach((p, k) => {
    compare(p.value, analyticParams[k]!, p.name);
  });
  return { maxRelError, worst };
}
