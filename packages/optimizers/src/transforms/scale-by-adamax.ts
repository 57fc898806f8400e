import { lazy } from "@backprop/tensor";
import { type ParamTensors, zerosLikeParams } from "../params.js";
import { checkState } from "../state-shape.js";
import type { GradientTransformation } from "../transform.js";
import { checkBetas, checkNonNegative } from "../validate.js";
import { updateEma } from "./moving-average.js";

/** Options of `scaleByAdamax`: (β1, β2) and ε. */
export interface ScaleByAdamaxOptions {
  betas?: readonly [number, number];
  eps?: number;
}

/** State of `scaleByAdamax`: the step count, m and the infinity norm u, per parameter. */
export interface ScaleByAdamaxState {
  count: number;
  /** m: first-moment estimate. */
  mu: ParamTensors;
  /** u: the exponentially weighted infinity norm. */
  infNorm: ParamTensors;
}

/**
 * Adamax's scaling (PyTorch's algorithm box): m_t = β1·m_{t−1} + (1 − β1)·g,
 * u_t = max(β2·u_{t−1}, |g| + ε),  update = m_t / u_t / (1 − β1^t)
 * (the division by the step's scalar is a multiplication by its reciprocal).
 */
export function scaleByAdamax(
  options: ScaleByAdamaxOptions = {},
): GradientTransformation<ScaleByAdamaxState> {
  const op = "scaleByAdamax";
  const [b1, b2] = checkBetas(op, options.betas ?? [0.9, 0.999]);
  const eps = checkNonNegative(op, "eps", options.eps ?? 1e-8);
  return {
    init: (params) => ({ count: 0, mu: zerosLikeParams(params), infNorm: zerosLikeParams(params) }),
    update(updates, state, _params, context) {
      const s = checkState<ScaleByAdamaxState>(op, state, ["count", "mu", "infNorm"]);
      s.count += 1;
      const inverseBc = 1 / (1 - b1 ** s.count);
      return updates.map((g, i) => {
        const [mu, infNorm] = [s.mu.tensors[i]!, s.infNorm.tensors[i]!];
        const m = updateEma(context, i, mu, g, b1);
        const n = context.assign(i, infNorm, lazy(infNorm).mul(b2).max(g.abs().add(eps)));
        return m.div(n).mul(inverseBc);
      });
    },
  };
}
