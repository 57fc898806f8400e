import type { ParamArrays } from "../params.js";
import type { GradientTransformation, StatelessState } from "../transform.js";

/** u ← s·u, in place. */
export function scaleInPlace(updates: ParamArrays, s: number): ParamArrays {
  for (let i = 0; i < updates.arrays.length; i++) {
    const u = updates.arrays[i]!;
    for (let j = 0; j < u.length; j++) u[j]! *= s;
  }
  return updates;
}

/** u ← s·u for a constant s (s = −1 turns a minimiser into a maximiser: PyTorch's `maximize`). */
export function scale(factor: number): GradientTransformation<StatelessState> {
  return {
    init: () => ({}),
    update: (updates: ParamArrays) => scaleInPlace(updates, factor),
  };
}
