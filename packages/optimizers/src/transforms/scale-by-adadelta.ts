import { type ParamArrays, zerosLikeParams } from "../params.js";
import type { GradientTransformation } from "../transform.js";
import { checkNonNegative, checkUnitInterval } from "../validate.js";

/** Options of `scaleByAdadelta`: ρ and ε. */
export interface ScaleByAdadeltaOptions {
  /** ρ; 0.9 by default. */
  rho?: number;
  /** 1e-6 by default. */
  eps?: number;
}

/** State of `scaleByAdadelta`: the running averages E[g²] and E[Δx²], per parameter. */
export interface ScaleByAdadeltaState {
  /** E[g²] */
  squareAvg: ParamArrays;
  /** E[Δx²] */
  accDelta: ParamArrays;
}

/**
 * Adadelta's scaling (Zeiler 2012; PyTorch's algorithm box): v_t = ρ·v_{t−1} + (1 − ρ)·g²,
 * Δx = √(a_{t−1} + ε) / √(v_t + ε) · g,  a_t = ρ·a_{t−1} + (1 − ρ)·Δx²,  u = Δx.
 */
export function scaleByAdadelta(
  options: ScaleByAdadeltaOptions = {},
): GradientTransformation<ScaleByAdadeltaState> {
  const op = "scaleByAdadelta";
  const rho = checkUnitInterval(op, "rho", options.rho ?? 0.9, true);
  const eps = checkNonNegative(op, "eps", options.eps ?? 1e-6);
  return {
    init: (params) => ({ squareAvg: zerosLikeParams(params), accDelta: zerosLikeParams(params) }),
    update(updates, state) {
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        const v = state.squareAvg.arrays[i]!;
        const a = state.accDelta.arrays[i]!;
        for (let j = 0; j < u.length; j++) {
          const g = u[j]!;
          v[j] = v[j]! * rho + (1 - rho) * g * g;
          const delta = (Math.sqrt(a[j]! + eps) / Math.sqrt(v[j]! + eps)) * g;
          a[j] = a[j]! * rho + (1 - rho) * delta * delta;
          u[j] = delta;
        }
      }
      return updates;
    },
  };
}
