import { constant, type Expr } from "@backprop/tensor";
import { checkReduction } from "./check.js";
import { ElementwiseLoss } from "./elementwise-loss.js";
import { LossError } from "./errors.js";
import type { Reduction } from "./loss.js";

/** Options of `HuberLoss`: the reduction and δ, where the loss turns from quadratic to linear. */
export interface HuberLossOptions {
  /** `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
  /** δ > 0, where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/**
 * Huber loss with PyTorch's HuberLoss semantics, per element with d = y − t:
 * ℓ(d) = ½ d² if |d| < δ, else δ(|d| − ½δ); ∂ℓ/∂y = clamp(d, −δ, δ). Reduced by mean (default) or sum.
 */
export class HuberLoss extends ElementwiseLoss {
  readonly delta: number;

  constructor(options: HuberLossOptions = {}) {
    const reduction = checkReduction("HuberLoss", options.reduction ?? "mean", ["mean", "sum"]);
    super("HuberLoss", reduction);
    const delta = options.delta ?? 1;
    if (!(Number.isFinite(delta) && delta > 0)) {
      throw new LossError(`HuberLoss: delta must be a positive finite number, got ${delta}`);
    }
    this.delta = delta;
  }

  /** ½ d² if |d| < δ, else δ(|d| − ½δ) */
  protected pointwise(y: Expr, t: Expr): Expr {
    const d = y.sub(t).abs();
    return d
      .lt(this.delta)
      .select(constant(0.5).mul(d).mul(d), constant(this.delta).mul(d.sub(0.5 * this.delta)));
  }

  /** clamp(d, −δ, δ) */
  protected derivative(y: Expr, t: Expr): Expr {
    return y.sub(t).max(-this.delta).min(this.delta);
  }
}
