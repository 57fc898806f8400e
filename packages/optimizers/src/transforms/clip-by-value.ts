import type { Expr } from "@backprop/tensor";
import { checkOptionKeys } from "../option-keys.js";
import type { GradientTransformation, StatelessState } from "../transform.js";
import { checkPositive } from "../validate.js";

/** Options of `clipByValue`: c, the bound of u ← clamp(u, −c, c). */
export interface ClipByValueOptions {
  clipValue: number;
}

/** u ← clamp(u, −c, c) = min(max(u, −c), c) elementwise (torch.nn.utils.clip_grad_value_). */
export function clipByValue(options: ClipByValueOptions): GradientTransformation<StatelessState> {
  const op = "clipByValue";
  checkOptionKeys(op, options, ["clipValue"]);
  const c = checkPositive(op, "clipValue", options.clipValue);
  return {
    spec: { type: op, options: { clipValue: c } },
    init: () => ({}),
    update: (updates: readonly Expr[]) => updates.map((u) => u.max(-c).min(c)),
  };
}
