import type { ParamArrays } from "../params.js";
import type { GradientTransformation, StatelessState } from "../transform.js";
import { checkPositive } from "../validate.js";

/** Options of `clipByValue`: c, the bound of u ← clamp(u, −c, c). */
export interface ClipByValueOptions {
  clipValue: number;
}

/** u ← clamp(u, −c, c) elementwise (torch.nn.utils.clip_grad_value_). */
export function clipByValue(options: ClipByValueOptions): GradientTransformation<StatelessState> {
  const c = checkPositive("clipByValue", "clipValue", options.clipValue);
  return {
    spec: { type: "clipByValue", options: { clipValue: c } },
    init: () => ({}),
    update(updates: ParamArrays): ParamArrays {
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        for (let j = 0; j < u.length; j++) u[j] = Math.min(Math.max(u[j]!, -c), c);
      }
      return updates;
    },
  };
}
