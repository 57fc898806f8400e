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
  protected pointwise(y: number, t: number): number {
    const d = Math.abs(y - t);
    return d < this.delta ? 0.5 * d * d : this.delta * (d - 0.5 * this.delta);
  }

  /** clamp(d, −δ, δ) */
  protected derivative(y: number, t: number): number {
    return Math.min(Math.max(y - t, -this.delta), this.delta);
  }
}
