import { lazy } from "@backprop/tensor";
import { type ParamTensors, zerosLikeParams } from "../params.js";
import { checkState } from "../state-shape.js";
import type { GradientTransformation } from "../transform.js";
import { checkBetas } from "../validate.js";
import { ema, updateEma } from "./moving-average.js";

/** Options of `scaleByLion`: (β1, β2). */
export interface ScaleByLionOptions {
  /** (β1, β2); (0.9, 0.99) by default. */
  betas?: readonly [number, number];
}

/** State of `scaleByLion`: the momentum m, per parameter. */
export interface ScaleByLionState {
  mu: ParamTensors;
}

/**
 * Lion's scaling (Chen et al. 2023): u = sign(β1·m_{t−1} + (1 − β1)·g),  m_t = β2·m_{t−1} + (1 − β2)·g.
 */
export function scaleByLion(options: ScaleByLionOptions = {}): GradientTransformation<ScaleByLionState> {
  const op = "scaleByLion";
  const [b1, b2] = checkBetas(op, options.betas ?? [0.9, 0.99]);
  return {
    init: (params) => ({ mu: zerosLikeParams(params) }),
    update(updates, state, _params, context) {
      const s = checkState<ScaleByLionState>(op, state, ["mu"]);
      return updates.map((g, i) => {
        const mu = s.mu.tensors[i]!;
        updateEma(context, i, mu, g, b2);
        return ema(lazy(mu), g, b1).sign();
      });
    },
  };
}
