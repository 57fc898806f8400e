import { constant, type Expr, evaluate, lazy, type Tensor } from "@backprop/tensor";
import { checkNotEmpty, checkTarget, gradientOut, lastForward, reusableBuffer } from "./check.js";
import type { Loss, Reduction } from "./loss.js";

/**
 * A loss that sums a per-element term and scales the sum: E = s · Σ_i ℓ(y_i, t_i), so
 * ∂E/∂y_i = s · ℓ'(y_i, t_i), where s is 1 (sum), ½ (half-sum) or 1/M (mean over M elements).
 * Subclasses supply ℓ and ℓ' as expressions, and s. Forward is one pass on the prediction's backend:
 * it sums ℓ (in float64, in element order) and stores s·ℓ' into the gradient buffer the loss keeps,
 * which backward returns (or copies into `out`).
 */
export abstract class ElementwiseLoss<R extends string = Reduction> implements Loss<Tensor> {
  /** ∂E/∂y of the last forward (undefined before the first, or after one that failed). */
  private gradient: Tensor | undefined;

  protected constructor(
    private readonly op: string,
    /** How the per-element terms are combined. */
    readonly reduction: R,
  ) {}

  /** ℓ(y, t) for one element. */
  protected abstract pointwise(y: Expr, t: Expr): Expr;
  /** ∂ℓ/∂y for one element. */
  protected abstract derivative(y: Expr, t: Expr): Expr;
  /** s, the factor in front of the sum, for a prediction of `size` elements: 1/M for `"mean"`, else 1. */
  protected scale(size: number): number {
    return this.reduction === "mean" ? 1 / size : 1;
  }

  /** E = s·Σ_i ℓ(y_i, t_i), with ∂E/∂y = s·ℓ'(y, t) computed in the same pass (for backward). */
  forward(prediction: Tensor, target: Tensor): number {
    checkTarget(this.op, prediction, target);
    checkNotEmpty(this.op, prediction, this.reduction);
    const gradient = reusableBuffer(this.op, undefined, this.gradient, prediction);
    this.gradient = undefined;
    const s = this.scale(prediction.size);
    const y = lazy(prediction);
    const t = lazy(target);
    const [total] = evaluate({
      shape: prediction.size,
      assign: [[gradient, constant(s).mul(this.derivative(y, t))]],
      sums: [this.pointwise(y, t)],
    });
    this.gradient = gradient;
    return s * total!;
  }

  /** ∂E/∂y of the last forward: the loss's own buffer, or a copy in `out`. */
  backward(out?: Tensor): Tensor {
    return gradientOut(this.op, lastForward(this.op, this.gradient), out);
  }
}
