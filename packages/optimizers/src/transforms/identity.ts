import type { Expr } from "@backprop/tensor";
import type { GradientTransformation, StatelessState } from "../transform.js";

/** u ← u: leaves the updates alone (the untouched group of `masked`). */
export function identity(): GradientTransformation<StatelessState> {
  return {
    init: () => ({}),
    update: (updates: readonly Expr[]) => updates,
  };
}
