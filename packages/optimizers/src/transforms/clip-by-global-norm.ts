import type { Expr } from "@backprop/tensor";
import { checkOptionKeys } from "../option-keys.js";
import type { GradientTransformation, StatelessState, UpdateContext } from "../transform.js";
import { checkOneOf, checkPositive } from "../validate.js";

/** Options of `clipByGlobalNorm`: the largest allowed norm and which norm (2 or ∞). */
export interface ClipByGlobalNormOptions {
  maxNorm: number;
  /** 2 (default) or "inf" (the largest |u|). */
  normType?: 2 | "inf";
}

/**
 * torch.nn.utils.clip_grad_norm_: with ‖u‖ the norm of all updates together (‖u‖₂ = √(Σ_i Σ_j u_ij²),
 * or max |u_ij| for "inf"), u ← u · maxNorm / (‖u‖ + 1e-6) when that factor is below 1. The norm is a
 * reduction pass of its own; the scaling joins the rest of the step's single pass.
 */
export function clipByGlobalNorm(options: ClipByGlobalNormOptions): GradientTransformation<StatelessState> {
  const op = "clipByGlobalNorm";
  checkOptionKeys(op, options, ["maxNorm", "normType"]);
  const maxNorm = checkPositive(op, "maxNorm", options.maxNorm);
  const normType = checkOneOf(op, "normType", options.normType ?? 2, [2, "inf"] as const);
  const inf = normType === "inf";
  return {
    spec: { type: op, options: { maxNorm, normType } },
    init: () => ({}),
    update(updates: readonly Expr[], _state, _params, context: UpdateContext): readonly Expr[] {
      const total = inf
        ? context.max(updates.map((u) => u.abs()))
        : Math.sqrt(context.sum(updates.map((u) => u.mul(u))));
      const coef = maxNorm / (total + 1e-6);
      return coef < 1 ? updates.map((u) => u.mul(coef)) : updates;
    },
  };
}
