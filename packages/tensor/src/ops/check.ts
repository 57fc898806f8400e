import { zeros } from "../create.js";
import { DTypeError, formatShape, ShapeError, TensorError } from "../errors.js";
import { sameShape } from "../shape.js";
import { ArrayStorage } from "../storage.js";
import type { Tensor } from "../tensor.js";

/** Throws unless `a` and `b` share dtype and backend (ops never convert silently). */
export function checkCompatible(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `${op}: dtypes differ: ${a.dtype}${formatShape(a.shape)} and ${b.dtype}${formatShape(b.shape)}`,
    );
  }
  if (a.backend !== b.backend) {
    throw new TensorError(
      `${op}: tensors live on different backends (${a.backend.name} and ${b.backend.name})`,
    );
  }
}

/** Throws unless `a` and `b` have identical shapes (and are compatible). */
export function checkSameShape(op: string, a: Tensor, b: Tensor): void {
  if (!sameShape(a.shape, b.shape)) {
    throw new ShapeError(`${op}: shapes differ: ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  checkCompatible(op, a, b);
}

/** Throws a `ShapeError` naming `op` and `name` unless `t` has rank `rank`. */
export function checkRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.rank !== rank) {
    throw new ShapeError(`${op}: ${name} must have rank ${rank}, got shape ${formatShape(t.shape)}`);
  }
}

/** Returns `out` after checking its shape, dtype and backend against `like`'s; or a new tensor. */
export function prepareOut(
  op: string,
  out: Tensor | undefined,
  shape: readonly number[],
  like: Tensor,
): Tensor {
  if (out === undefined) return zeros(shape, { dtype: like.dtype, backend: like.backend });
  if (!sameShape(out.shape, shape)) {
    throw new ShapeError(`${op}: out has shape ${formatShape(out.shape)}, expected ${formatShape(shape)}`);
  }
  checkCompatible(op, like, out);
  return out;
}

/**
 * True when two tensors share any element memory: the same storage, or two JS-heap typed arrays over
 * overlapping bytes (`fromArray` wraps subarrays without copying). Other backends' storages are
 * separate allocations unless identical.
 */
export function overlaps(a: Tensor, b: Tensor): boolean {
  if (a.storage === b.storage) return true;
  if (!(a.storage instanceof ArrayStorage && b.storage instanceof ArrayStorage)) return false;
  const x = a.storage.data;
  const y = b.storage.data;
  if (x.buffer !== y.buffer) return false;
  const xEnd = x.byteOffset + x.byteLength;
  const yEnd = y.byteOffset + y.byteLength;
  return x.byteOffset < yEnd && y.byteOffset < xEnd;
}
