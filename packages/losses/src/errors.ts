import { TensorError } from "@backprop/tensor";

/**
 * A loss used with invalid options or targets (class labels out of range or not integers, backward
 * before forward). Shape and dtype mismatches throw the tensor package's `ShapeError` / `DTypeError`.
 */
export class LossError extends TensorError {
  override name = "LossError";
}
