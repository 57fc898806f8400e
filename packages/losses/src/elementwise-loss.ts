import type { Tensor } from "@backprop/tensor";
import { checkNotEmpty, checkTarget, lastForward, reusableBuffer } from "./check.js";
import type { Loss, Reduction } from "./loss.js";

/**
 * A loss that sums a per-element term and scales the sum: E = s · Σ_i ℓ(y_i, t_i), so
 * ∂E/∂y_i = s · ℓ'(y_i, t_i), where s is 1 (sum), ½ (half-sum) or 1/M (mean over M elements).
 * Subclasses supply ℓ, ℓ' and s. Keeps references to the last prediction and target (do not change
 * them between forward and backward) and one reusable gradient buffer.
 */
export abstract class ElementwiseLoss<R extends string = Reduction> implements Loss<Tensor> {
  private prediction: Tensor | undefined;
  private target: Tensor | undefined;
  private gradient: Tensor | undefined;

  protected constructor(
    private readonly op: string,
    /** How the per-element terms are combined. */
    readonly reduction: R,
  ) {}

  /** ℓ(y, t) for one element. */
  protected abstract pointwise(y: number, t: number): number;
  /** ∂ℓ/∂y for one element. */
  protected abstract derivative(y: number, t: number): number;
  /** s, the factor in front of the sum, for a prediction of `size` elements: 1/M for `"mean"`, else 1. */
  protected scale(size: number): number {
    return this.reduction === "mean" ? 1 / size : 1;
  }

  forward(prediction: Tensor, target: Tensor): number {
    checkTarget(this.op, prediction, target);
    checkNotEmpty(this.op, prediction, this.reduction);
    this.prediction = prediction;
    this.target = target;
    const y = prediction.data;
    const t = target.data;
    let total = 0;
    for (let i = 0; i < y.length; i++) total += this.pointwise(y[i]!, t[i]!);
    return this.scale(y.length) * total;
  }

  backward(out?: Tensor): Tensor {
    const prediction = lastForward(this.op, this.prediction);
    const target = this.target!;
    const gradient = reusableBuffer(this.op, out, this.gradient, prediction);
    if (out === undefined) this.gradient = gradient;
    const s = this.scale(prediction.size);
    const y = prediction.data;
    const t = target.data;
    const g = gradient.data;
    for (let i = 0; i < g.length; i++) g[i] = s * this.derivative(y[i]!, t[i]!);
    return gradient;
  }
}
