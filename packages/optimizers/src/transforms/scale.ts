import type { Expr } from "@backprop/tensor";
import type { GradientTransformation, StatelessState } from "../transform.js";

/** u ← s·u for a constant s (s = −1 turns a minimiser into a maximiser: PyTorch's `maximize`). */
export function scale(factor: number): GradientTransformation<StatelessState> {
  return {
    init: () => ({}),
    update: (updates: readonly Expr[]) => updates.map((u) => u.mul(factor)),
  };
}
