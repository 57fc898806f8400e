import { Rng, type Tensor } from "@backprop/tensor";
import { compareGradients } from "./engine.js";
import { requireFloat64 } from "./float64.js";
import { type GradcheckOptions, resolveOptions } from "./options.js";
import type { GradcheckReport } from "./report.js";

/**
 * Checks the gradient ∇f(x) that `gradient` computes for a scalar function f against centred
 * differences ∂f/∂x_i ≈ (f(x + ε e_i) − f(x − ε e_i)) / 2ε. `x` must be float64; both functions
 * receive a copy of it, so the caller's tensor is never touched.
 *
 * ```ts
 * const report = checkFunction((x) => sum(map(x, Math.sin)), (x) => map(x, Math.cos), x);
 * ```
 */
export function checkFunction(
  f: (x: Tensor) => number,
  gradient: (x: Tensor) => Tensor,
  x: Tensor,
  options?: GradcheckOptions,
): GradcheckReport {
  const op = "checkFunction";
  const resolved = resolveOptions(options);
  requireFloat64(op, "input", x);
  const input = x.clone();
  const analytic = gradient(input);
  requireFloat64(op, "the analytic gradient", analytic);
  const targets = [{ name: "input", tensor: input, analytic: analytic.clone() }];
  return compareGradients(op, () => f(input), targets, resolved, new Rng(resolved.seed));
}
