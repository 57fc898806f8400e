import { lazy } from "@backprop/tensor";
import { type ParamTensors, zerosLikeParams } from "../params.js";
import { checkState } from "../state-shape.js";
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
  trace: ParamTensors;
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
    update(updates, state, _params, context) {
      const s = checkState<TraceState>(op, state, ["count", "trace"]);
      const first = s.count === 0;
      s.count += 1;
      return updates.map((g, i) => {
        const buffer = s.trace.tensors[i]!;
        const b = context.assign(
          i,
          buffer,
          first
            ? g
            : lazy(buffer)
                .mul(momentum)
                .add(g.mul(1 - dampening)),
        );
        return nesterov ? g.add(b.mul(momentum)) : b;
      });
    },
  };
}
