import { constant, type Expr } from "@backprop/tensor";
import { checkReduction } from "./check.js";
import { ElementwiseLoss } from "./elementwise-loss.js";
import type { Reduction } from "./loss.js";

/** Options of `BCEWithLogitsLoss`: the reduction. */
export interface BCEWithLogitsLossOptions {
  /** `"mean"` (default) or `"sum"`. */
  reduction?: Reduction;
}

/**
 * Binary cross-entropy on logits x (PyTorch's BCEWithLogitsLoss), targets t ∈ [0, 1]:
 * ℓ = −[t log σ(x) + (1 − t) log(1 − σ(x))], computed stably as max(x, 0) − x·t + log(1 + e^{−|x|}),
 * with ∂ℓ/∂x = σ(x) − t. Reduced by mean (default) or sum.
 */
export class BCEWithLogitsLoss extends ElementwiseLoss {
  constructor(options: BCEWithLogitsLossOptions = {}) {
    const reduction = checkReduction("BCEWithLogitsLoss", options.reduction ?? "mean", ["mean", "sum"]);
    super("BCEWithLogitsLoss", reduction);
  }

  /** max(x, 0) − x·t + log(1 + e^{−|x|}) */
  protected pointwise(x: Expr, t: Expr): Expr {
    return x.max(0).sub(x.mul(t)).add(x.abs().neg().exp().log1p());
  }

  /** σ(x) − t, with σ(x) = 1/(1 + e^{−x}) evaluated without overflow on either side */
  protected derivative(x: Expr, t: Expr): Expr {
    const e = x.abs().neg().exp();
    const sigmoid = x.ge(0).select(constant(1).div(constant(1).add(e)), e.div(constant(1).add(e)));
    return sigmoid.sub(t);
  }
}
