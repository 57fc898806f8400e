import { zerosLike } from "./create.js";
import { formatShape, ShapeError } from "./errors.js";
import { sameShape } from "./shape.js";
import type { Tensor } from "./tensor.js";

/**
 * A trainable tensor and the gradient ∂E/∂value accumulated for it: the unit optimizers update.
 * `name` is stable and unique within a model (e.g. `"0.weight"`), so optimizer state and saved
 * weights are keyed by name, never by position.
 */
export interface Parameter {
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
}

/** A parameter over `value` with a zeroed gradient of the same shape, dtype and backend. */
export function parameter(name: string, value: Tensor, grad: Tensor = zerosLike(value)): Parameter {
  if (!sameShape(value.shape, grad.shape) || value.dtype !== grad.dtype) {
    throw new ShapeError(
      `parameter ${name}: grad ${grad.dtype}${formatShape(grad.shape)} does not match value ${value.dtype}${formatShape(value.shape)}`,
    );
  }
  return { name, value, grad };
}
