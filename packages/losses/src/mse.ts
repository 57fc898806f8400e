import { constant, type Expr } from "@backprop/tensor";
import { checkReduction } from "./check.js";
import { ElementwiseLoss } from "./elementwise-loss.js";
import type { Reduction } from "./loss.js";

/**
 * - `"sum"`:      E = Σ_n Σ_i (y_ni − t_ni)²,       ∂E/∂y = 2(y − t)     (the notes' eq. 44)
 * - `"half-sum"`: E = ½ Σ_n Σ_i (y_ni − t_ni)²,     ∂E/∂y = y − t        (the notes' eq. 47)
 * - `"mean"`:     E = (1/M) Σ_n Σ_i (y_ni − t_ni)², ∂E/∂y = 2(y − t)/M   (PyTorch's MSELoss; M = all elements)
 */
export type MSEReduction = Reduction | "half-sum";

/** Options of `MSELoss`: which of the notes' conventions (sum, half-sum) or the mean. */
export interface MSELossOptions {
  /** `"mean"` (default, like PyTorch), `"sum"` (eq. 44) or `"half-sum"` (eq. 47). */
  reduction?: MSEReduction;
}

/**
 * Mean squared error / sum of squares, in the convention `reduction` picks:
 * `"sum"` E = Σ_n Σ_i (y_ni − T_ni)² (notes eq. 44), `"half-sum"` E = ½ Σ (y − t)² (eq. 47, whose
 * gradient is plainly y − t), `"mean"` E = (1/M) Σ (y − t)² over all M elements (PyTorch's default).
 */
export class MSELoss extends ElementwiseLoss<MSEReduction> {
  constructor(options: MSELossOptions = {}) {
    const reduction = checkReduction("MSELoss", options.reduction ?? "mean", ["mean", "sum", "half-sum"]);
    super("MSELoss", reduction);
  }

  /** (y − t)² */
  protected pointwise(y: Expr, t: Expr): Expr {
    const d = y.sub(t);
    return d.mul(d);
  }

  /** ∂(y − t)²/∂y = 2(y − t) */
  protected derivative(y: Expr, t: Expr): Expr {
    return constant(2).mul(y.sub(t));
  }

  /** 1 for `"sum"`, ½ for `"half-sum"`, 1/M for `"mean"` */
  protected override scale(size: number): number {
    return this.reduction === "half-sum" ? 0.5 : super.scale(size);
  }
}
