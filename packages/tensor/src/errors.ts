/** Base class of every error @backprop/tensor throws, so callers can catch the library's errors alone. */
export class TensorError extends Error {
  override name = "TensorError";
}

/** Shapes that do not fit the operation, e.g. `matmul: inner dimensions differ: [128,784] x [256,784]`. */
export class ShapeError extends TensorError {
  override name = "ShapeError";
}

/** Operands of different dtypes, or a dtype the operation does not take. */
export class DTypeError extends TensorError {
  override name = "DTypeError";
}

/** Formats a shape the way error messages print it: `[128,784]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}
