import { type ParamTensors, zerosLikeParams } from "../params.js";
import { checkState } from "../state-shape.js";
import type { GradientTransformation } from "../transform.js";
import { checkBoolean, checkNonNegative, checkUnitInterval } from "../validate.js";
import { emaOfSquare, updateEma } from "./moving-average.js";

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
  squareAvg: ParamTensors;
  /** E[g] (centred only), or null. */
  gradAvg: ParamTensors | null;
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
    update(updates, state, _params, context) {
      const s = checkState<ScaleByRmsState>(op, state, ["squareAvg", "gradAvg"]);
      return updates.map((g, i) => {
        const squareAvg = s.squareAvg.tensors[i]!;
        const v = updateEma(context, i, squareAvg, g, alpha, emaOfSquare);
        const gradAvg = s.gradAvg?.tensors[i];
        let avg = v.sqrt();
        if (gradAvg !== undefined) {
          const mean = updateEma(context, i, gradAvg, g, alpha);
          avg = v.add(mean.mul(-1).mul(mean)).sqrt();
        }
        return g.div(avg.add(eps));
      });
    },
  };
}
