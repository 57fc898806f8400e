import { TensorError } from "@backprop/tensor";

/**
 * A gradient check that cannot run: invalid options, a function that is not deterministic, an
 * analytic gradient of the wrong shape. (A check that runs and finds wrong gradients does not throw:
 * it returns a report with `ok: false`.) Float32 operands throw the tensor package's `DTypeError`.
 */
export class GradcheckError extends TensorError {
  override name = "GradcheckError";
}
