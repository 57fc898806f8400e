import { type ParamArrays, zerosLikeParams } from "../params.js";
import type { GradientTransformation } from "../transform.js";
import { checkBetas } from "../validate.js";

/** Options of `scaleByLion`: (β1, β2). */
export interface ScaleByLionOptions {
  /** (β1, β2); (0.9, 0.99) by default. */
  betas?: readonly [number, number];
}

/** State of `scaleByLion`: the momentum m, per parameter. */
export interface ScaleByLionState {
  mu: ParamArrays;
}

/**
 * Lion's scaling (Chen et al. 2023): u = sign(β1·m_{t−1} + (1 − β1)·g),  m_t = β2·m_{t−1} + (1 − β2)·g.
 */
export function scaleByLion(options: ScaleByLionOptions = {}): GradientTransformation<ScaleByLionState> {
  const [b1, b2] = checkBetas("scaleByLion", options.betas ?? [0.9, 0.99]);
  return {
    init: (params) => ({ mu: zerosLikeParams(params) }),
    update(updates, state) {
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        const m = state.mu.arrays[i]!;
        for (let j = 0; j < u.length; j++) {
          const g = u[j]!;
          u[j] = Math.sign(m[j]! * b1 + (1 - b1) * g);
          m[j] = m[j]! * b2 + (1 - b2) * g;
        }
      }
      return updates;
    },
  };
}
