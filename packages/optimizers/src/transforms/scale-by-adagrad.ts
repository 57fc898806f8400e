import { lazy } from "@backprop/tensor";
import { type ParamTensors, zerosLikeParams } from "../params.js";
import { checkState } from "../state-shape.js";
import type { GradientTransformation } from "../transform.js";
import { checkNonNegative } from "../validate.js";

/** Options of `scaleByAdagrad`: the learning-rate decay, the initial accumulator and ε. */
export interface ScaleByAdagradOptions {
  /** 0 by default. */
  lrDecay?: number;
  /** Starting value of Σg²; 0 by default. */
  initialAccumulatorValue?: number;
  /** 1e-10 by default. */
  eps?: number;
}

/** State of `scaleByAdagrad`: the step count and Σ g², per parameter. */
export interface ScaleByAdagradState {
  count: number;
  /** Σ_τ g_τ² (plus the initial accumulator value). */
  sum: ParamTensors;
}

/**
 * Adagrad's scaling (PyTorch's algorithm box): s_t = s_{t−1} + g²,
 * u = g / (√s_t + ε) / (1 + (t − 1)·lrDecay)   (the learning-rate decay η̃ = η / (1 + (t − 1)·lrDecay);
 * the division by that scalar is a multiplication by its reciprocal).
 */
export function scaleByAdagrad(
  options: ScaleByAdagradOptions = {},
): GradientTransformation<ScaleByAdagradState> {
  const op = "scaleByAdagrad";
  const lrDecay = checkNonNegative(op, "lrDecay", options.lrDecay ?? 0);
  const initial = checkNonNegative(op, "initialAccumulatorValue", options.initialAccumulatorValue ?? 0);
  const eps = checkNonNegative(op, "eps", options.eps ?? 1e-10);
  return {
    init: (params) => ({ count: 0, sum: zerosLikeParams(params, initial) }),
    update(updates, state, _params, context) {
      const s = checkState<ScaleByAdagradState>(op, state, ["count", "sum"]);
      s.count += 1;
      const inverseDecay = 1 / (1 + (s.count - 1) * lrDecay);
      return updates.map((g, i) => {
        const sum = s.sum.tensors[i]!;
        const total = context.assign(i, sum, lazy(sum).add(g.mul(g)));
        return g.div(total.sqrt().add(eps)).mul(inverseDecay);
      });
    },
  };
}
