import type { ParamArrays } from "../params.js";
import type { GradientTransformation, StatelessState } from "../transform.js";
import { checkNonNegative } from "../validate.js";

/**
 * u ← u + λ·θ. Before an adaptive scaling it is L2 regularisation (PyTorch's `weight_decay`:
 * g ← g + λ·θ); after it and before the learning rate it is decoupled weight decay (AdamW:
 * θ ← θ − η·λ·θ − η·u).
 */
export function addDecayedWeights(weightDecay: number): GradientTransformation<StatelessState> {
  const wd = checkNonNegative("addDecayedWeights", "weightDecay", weightDecay);
  return {
    init: () => ({}),
    update(updates: ParamArrays, _state: StatelessState, params: ParamArrays): ParamArrays {
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        const p = params.arrays[i]!;
        for (let j = 0; j < u.length; j++) u[j] = u[j]! + wd * p[j]!;
      }
      return updates;
    },
  };
}
