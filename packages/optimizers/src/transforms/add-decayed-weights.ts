import { type Expr, lazy } from "@backprop/tensor";
import type { ParamTensors } from "../params.js";
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
    update: (updates: readonly Expr[], _state: StatelessState, params: ParamTensors) =>
      updates.map((u, i) => u.add(lazy(params.tensors[i]!).mul(wd))),
  };
}
