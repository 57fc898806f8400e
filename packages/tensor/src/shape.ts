import { formatShape, ShapeError } from "./errors.js";

/** Number of elements of a shape: the product of its dimensions (1 for a scalar shape `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Throws unless every dimension is a non-negative integer; returns a frozen copy. */
export function checkShape(op: string, shape: readonly number[]): readonly number[] {
  if (!Array.isArray(shape))
    throw new ShapeError(`${op}: shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `${op}: shape ${formatShape(shape)} has a dimension that is not a non-negative integer`,
      );
    }
  }
  return Object.freeze([...shape]);
}

/** Whether two shapes are equal, dimension by dimension. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
