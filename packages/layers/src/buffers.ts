import { sameShape, type Tensor, zeros } from "@backprop/tensor";

/**
 * The activations, deltas and outputs a layer keeps between steps, one tensor per role and shape.
 * A training loop with a fixed batch size therefore allocates nothing after its first step: every
 * forward and backward writes into the tensor it wrote into last time (and returns that same
 * object). Buffers take the dtype and backend of the tensor they are made `like`.
 */
export class Buffers {
  private readonly byRole = new Map<string, Tensor[]>();

  /** The buffer for `role` with `shape`, dtype and backend of `like`; zero-filled when first made. */
  get(role: string, shape: readonly number[], like: Tensor): Tensor {
    let buffers = this.byRole.get(role);
    if (buffers === undefined) {
      buffers = [];
      this.byRole.set(role, buffers);
    }
    for (const buffer of buffers) {
      if (buffer.dtype === like.dtype && buffer.backend === like.backend && sameShape(buffer.shape, shape))
        return buffer;
    }
    const buffer = zeros(shape, { dtype: like.dtype, backend: like.backend });
    buffers.push(buffer);
    return buffer;
  }
}
