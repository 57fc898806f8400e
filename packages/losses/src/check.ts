import {
  DTypeError,
  evaluate,
  formatShape,
  lazy,
  prepareOut,
  ShapeError,
  sameShape,
  type Tensor,
  zeros,
} from "@backprop/tensor";
import { LossError } from "./errors.js";

/** Throws unless `reduction` is one of `allowed`; returns it. */
export function checkReduction<R extends string>(op: string, reduction: R, allowed: readonly R[]): R {
  if (!allowed.includes(reduction)) {
    throw new LossError(
      `${op}: reduction must be ${allowed.map((r) => JSON.stringify(r)).join(" or ")}, got ${JSON.stringify(reduction)}`,
    );
  }
  return reduction;
}

/** Throws unless `target` has the prediction's shape, dtype and backend. */
export function checkTarget(
  op: string,
  prediction: Tensor,
  target: Tensor,
  expected: readonly number[] = prediction.shape,
): void {
  if (!sameShape(target.shape, expected)) {
    throw new ShapeError(
      `${op}: target has shape ${formatShape(target.shape)}, expected ${formatShape(expected)} (the prediction is ${formatShape(prediction.shape)})`,
    );
  }
  if (target.dtype !== prediction.dtype) {
    throw new DTypeError(
      `${op}: target is ${target.dtype}, expected ${prediction.dtype} like the prediction`,
    );
  }
  if (target.backend !== prediction.backend) {
    throw new LossError(
      `${op}: target lives on backend ${target.backend.name}, the prediction on ${prediction.backend.name}`,
    );
  }
}

/** Throws when a mean would divide by zero elements (instead of returning NaN as PyTorch does). */
export function checkNotEmpty(op: string, prediction: Tensor, reduction: string): void {
  if (prediction.size === 0 && reduction === "mean") {
    throw new ShapeError(
      `${op}: the mean over a prediction of shape ${formatShape(prediction.shape)} is undefined (no elements)`,
    );
  }
}

/**
 * A buffer of `shape` (default `like`'s) with `like`'s dtype and backend: `out` (checked against
 * them), else `cached` when it still fits, else a new zeroed tensor (which the caller keeps as its
 * next `cached`): no allocation in the steady state.
 */
export function reusableBuffer(
  op: string,
  out: Tensor | undefined,
  cached: Tensor | undefined,
  like: Tensor,
  shape: readonly number[] = like.shape,
): Tensor {
  if (out !== undefined) return prepareOut(op, out, shape, like);
  if (
    cached !== undefined &&
    sameShape(cached.shape, shape) &&
    cached.dtype === like.dtype &&
    cached.backend === like.backend
  ) {
    return cached;
  }
  return zeros(shape, { dtype: like.dtype, backend: like.backend });
}

/**
 * What `Loss.backward(out?)` returns for the gradient a forward stored: that buffer itself, or a
 * copy in `out` (checked against its shape, dtype and backend).
 */
export function gradientOut(op: string, gradient: Tensor, out: Tensor | undefined): Tensor {
  if (out === undefined) return gradient;
  const result = prepareOut(op, out, gradient.shape, gradient);
  evaluate({ shape: gradient.size, assign: [[result, lazy(gradient)]] });
  return result;
}

/** The state of the last forward, or a clear error when backward comes first. */
export function lastForward<T>(op: string, state: T | undefined): T {
  if (state === undefined) throw new LossError(`${op}: backward() called before forward()`);
  return state;
}
