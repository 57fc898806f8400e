import { type ParamArrays, zerosLikeParams } from "../params.js";
import type { GradientTransformation } from "../transform.js";
import { checkBetas, checkNonNegative } from "../validate.js";

/** Options of `scaleByAdamax`: (β1, β2) and ε. */
export interface ScaleByAdamaxOptions {
  betas?: readonly [number, number];
  eps?: number;
}

/** State of `scaleByAdamax`: the step count, m and the infinity norm u, per parameter. */
export interface ScaleByAdamaxState {
  count: number;
  /** m: first-moment estimate. */
  mu: ParamArrays;
  /** u: the exponentially weighted infinity norm. */
  infNorm: ParamArrays;
}

/**
 * Adamax's scaling (PyTorch's algorithm box): m_t = β1·m_{t−1} + (1 − β1)·g,
 * u_t = max(β2·u_{t−1}, |g| + ε),  update = m_t / u_t / (1 − β1^t).
 */
export function scaleByAdamax(
  options: ScaleByAdamaxOptions = {},
): GradientTransformation<ScaleByAdamaxState> {
  const op = "scaleByAdamax";
  const [b1, b2] = checkBetas(op, options.betas ?? [0.9, 0.999]);
  const eps = checkNonNegative(op, "eps", options.eps ?? 1e-8);
  return {
    init: (params) => ({ count: 0, mu: zerosLikeParams(params), infNorm: zerosLikeParams(params) }),
    update(updates, state) {
      state.count += 1;
      const bc = 1 - b1 ** state.count;
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        const m = state.mu.arrays[i]!;
        const n = state.infNorm.arrays[i]!;
        for (let j = 0; j < u.length; j++) {
          const g = u[j]!;
          m[j] = m[j]! * b1 + (1 - b1) * g;
          n[j] = Math.max(n[j]! * b2, Math.abs(g) + eps);
          u[j] = m[j]! / n[j]! / bc;
        }
      }
      return updates;
    },
  };
}
