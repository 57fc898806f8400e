import { type ParamArrays, zerosLikeParams } from "../params.js";
import type { GradientTransformation } from "../transform.js";
import { checkBoolean, checkUnitInterval } from "../validate.js";

/** Options of `trace` (momentum): μ, the dampening τ and Nesterov. */
export interface TraceOptions {
  /** μ */
  momentum: number;
  /** τ; 0 by default. */
  dampening?: number;
  nesterov?: boolean;
}

/** State of `trace`: the step count and the momentum buffer v, per parameter. */
export interface TraceState {
  /** Steps taken (the first step copies the update into the buffer, as PyTorch does). */
  count: number;
  trace: ParamArrays;
}

/**
 * Momentum, PyTorch SGD's: b_1 = u_1, b_t = μ·b_{t−1} + (1 − τ)·u_t, then u ← u + μ·b_t (Nesterov)
 * or u ← b_t.
 */
export function trace(options: TraceOptions): GradientTransformation<TraceState> {
  const op = "trace";
  const momentum = checkUnitInterval(op, "momentum", options.momentum);
  const dampening = checkUnitInterval(op, "dampening", options.dampening ?? 0, true);
  const nesterov = checkBoolean(op, "nesterov", options.nesterov ?? false);
  return {
    init: (params) => ({ count: 0, trace: zerosLikeParams(params) }),
    update(updates, state) {
      const first = state.count === 0;
      state.count += 1;
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        const b = state.trace.arrays[i]!;
        for (let j = 0; j < u.length; j++) {
          const g = u[j]!;
          const m = first ? g : b[j]! * momentum + (1 - dampening) * g;
          b[j] = m;
          u[j] = nesterov ? g + momentum * b[j]! : b[j]!;
        }
      }
      return updates;
    },
  };
}
