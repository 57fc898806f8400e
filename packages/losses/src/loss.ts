import type { Tensor } from "@backprop/tensor";

/**
 * The loss protocol (docs/protocols.md): `forward` gives E(y, t), `backward` gives ∂E/∂y for the
 * last forward, the δ^(L) input of backpropagation (δ^(L) = ∂E/∂y ⊙ ∂y/∂a^(L)).
 */
export interface Loss<Target = Tensor> {
  /** E(y, t) as a number. */
  forward(prediction: Tensor, target: Target): number;
  /**
   * ∂E/∂y for the last forward (same shape as the prediction), written into `out` when given;
   * otherwise into a buffer the loss keeps and reuses while the shape stays the same (so it is
   * overwritten by the next backward: clone it to keep it).
   */
  backward(out?: Tensor): Tensor;
}

/** How per-element losses ℓ_i are combined: `"mean"` (1/M)·Σ ℓ_i (PyTorch's default) or `"sum"` Σ ℓ_i. */
export type Reduction = "mean" | "sum";
