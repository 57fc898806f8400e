import { type ParamArrays, zerosLikeParams } from "../params.js";
import type { GradientTransformation } from "../transform.js";
import { checkBoolean, checkNonNegative, checkUnitInterval } from "../validate.js";

/** Options of `scaleByRms` (RMSprop): α, ε and centring. */
export interface ScaleByRmsOptions {
  /** α, the smoothing constant; 0.99 by default. */
  alpha?: number;
  eps?: number;
  /** Divide by the centred (variance) estimate instead. */
  centered?: boolean;
}

/** State of `scaleByRms`: E[g²] (and E[g] when centred), per parameter. */
export interface ScaleByRmsState {
  /** E[g²] */
  squareAvg: ParamArrays;
  /** E[g] (centred only), or null. */
  gradAvg: ParamArrays | null;
}

/**
 * RMSprop's scaling (PyTorch's algorithm box): v_t = α·v_{t−1} + (1 − α)·g²,
 * centred: ḡ_t = α·ḡ_{t−1} + (1 − α)·g and ṽ = v_t − ḡ_t², else ṽ = v_t;  u = g / (√ṽ + ε).
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  const op = "scaleByRms";
  const alpha = checkUnitInterval(op, "alpha", options.alpha ?? 0.99);
  const eps = checkNonNegative(op, "eps", options.eps ?? 1e-8);
  const centered = checkBoolean(op, "centered", options.centered ?? false);
  return {
    init: (params) => ({
      squareAvg: zerosLikeParams(params),
      gradAvg: centered ? zerosLikeParams(params) : null,
    }),
    update(updates, state) {
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        const v = state.squareAvg.arrays[i]!;
        const gAvg = state.gradAvg === null ? null : state.gradAvg.arrays[i]!;
        for (let j = 0; j < u.length; j++) {
          const g = u[j]!;
          v[j] = v[j]! * alpha + (1 - alpha) * g * g;
          let avg: number;
          if (gAvg !== null) {
            gAvg[j] = gAvg[j]! * alpha + (1 - alpha) * g;
            avg = Math.sqrt(v[j]! + -1 * gAvg[j]! * gAvg[j]!);
          } else {
            avg = Math.sqrt(v[j]!);
          }
          u[j] = g / (avg + eps);
        }
      }
      return updates;
    },
  };
}
