import type { ParamArrays } from "../params.js";
import type { GradientTransformation, StatelessState } from "../transform.js";
import { checkOneOf, checkPositive } from "../validate.js";
import { scaleInPlace } from "./scale.js";

/** Options of `clipByGlobalNorm`: the largest allowed norm and which norm (2 or ∞). */
export interface ClipByGlobalNormOptions {
  maxNorm: number;
  /** 2 (default) or "inf" (the largest |u|). */
  normType?: 2 | "inf";
}

/**
 * torch.nn.utils.clip_grad_norm_: with ‖u‖ the norm of all updates together (the norm of the per-tensor
 * norms), u ← u · maxNorm / (‖u‖ + 1e-6) when that factor is below 1.
 */
export function clipByGlobalNorm(options: ClipByGlobalNormOptions): GradientTransformation<StatelessState> {
  const op = "clipByGlobalNorm";
  const maxNorm = checkPositive(op, "maxNorm", options.maxNorm);
  const normType = checkOneOf(op, "normType", options.normType ?? 2, [2, "inf"] as const);
  const inf = normType === "inf";
  return {
    spec: { type: op, options: { maxNorm, normType } },
    init: () => ({}),
    update(updates: ParamArrays): ParamArrays {
      let total = 0;
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        let acc = 0;
        for (let j = 0; j < u.length; j++) acc = inf ? Math.max(acc, Math.abs(u[j]!)) : acc + u[j]! * u[j]!;
        total = inf ? Math.max(total, acc) : total + acc;
      }
      if (!inf) total = Math.sqrt(total);
      const coef = maxNorm / (total + 1e-6);
      return coef < 1 ? scaleInPlace(updates, coef) : updates;
    },
  };
}
