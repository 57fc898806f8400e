import { lazy } from "@backprop/tensor";
import { type ParamTensors, zerosLikeParams } from "../params.js";
import { checkState } from "../state-shape.js";
import type { GradientTransformation } from "../transform.js";
import { checkNonNegative, checkUnitInterval } from "../validate.js";
import { emaOfSquare, updateEma } from "./moving-average.js";

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
  squareAvg: ParamTensors;
  /** E[Δx²] */
  accDelta: ParamTensors;
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
    update(updates, state, _params, context) {
      const s = checkState<ScaleByAdadeltaState>(op, state, ["squareAvg", "accDelta"]);
      return updates.map((g, i) => {
        const [squareAvg, accDelta] = [s.squareAvg.tensors[i]!, s.accDelta.tensors[i]!];
        const v = updateEma(context, i, squareAvg, g, rho, emaOfSquare);
        const delta = lazy(accDelta).add(eps).sqrt().div(v.add(eps).sqrt()).mul(g);
        updateEma(context, i, accDelta, delta, rho, emaOfSquare);
        return delta;
      });
    },
  };
}
