import { type ParamArrays, zerosLikeParams } from "../params.js";
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
  sum: ParamArrays;
}

/**
 * Adagrad's scaling (PyTorch's algorithm box): s_t = s_{t−1} + g²,
 * u = g / (√s_t + ε) / (1 + (t − 1)·lrDecay)   (the learning-rate decay η̃ = η / (1 + (t − 1)·lrDecay)).
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
    update(updates, state) {
      state.count += 1;
      const decay = 1 + (state.count - 1) * lrDecay;
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        const s = state.sum.arrays[i]!;
        for (let j = 0; j < u.length; j++) {
          const g = u[j]!;
          s[j] = s[j]! + g * g;
          u[j] = g / (Math.sqrt(s[j]!) + eps) / decay;
        }
      }
      return updates;
    },
  };
}
