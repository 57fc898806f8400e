import type { Expr } from "@backprop/tensor";
import { checkReduction } from "./check.js";
import { ElementwiseLoss } from "./elementwise-loss.js";
import type { Reduction } from "./loss.js";

/** Options of `L1Loss`: the reduction. */
export interface L1LossOptions {
  /** `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

/**
 * Mean absolute error (PyTorch's L1Loss): E = (1/M) Σ_i |y_i − t_i| (or the sum), with
 * ∂E/∂y_i = sign(y_i − t_i) / M, taking sign(0) = 0 as PyTorch does.
 */
export class L1Loss extends ElementwiseLoss {
  constructor(options: L1LossOptions = {}) {
    const reduction = checkReduction("L1Loss", options.reduction ?? "mean", ["mean", "sum"]);
    super("L1Loss", reduction);
  }

  /** |y − t| */
  protected pointwise(y: Expr, t: Expr): Expr {
    return y.sub(t).abs();
  }

  /** sign(y − t), 0 at y = t */
  protected derivative(y: Expr, t: Expr): Expr {
    return y.sub(t).sign();
  }
}
