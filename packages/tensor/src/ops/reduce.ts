import { formatShape, ShapeError, TensorError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { checkRank, checkSameShape, prepareOut } from "./check.js";

/** Σ_i a_i (accumulated in float64). */
export function sum(a: Tensor): number {
  const x = a.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}

/** (1/N) Σ_i a_i */
export function mean(a: Tensor): number {
  if (a.size === 0) throw new ShapeError("mean: tensor of shape [0] has no elements");
  return sum(a) / a.size;
}

/** The largest element (NaN if any element is NaN). */
export function max(a: Tensor): number {
  if (a.size === 0) throw new ShapeError(`max: tensor of shape ${formatShape(a.shape)} has no elements`);
  const x = a.data;
  let best = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v > best || Number.isNaN(v)) {
      if (Number.isNaN(v)) return Number.NaN;
      best = v;
    }
  }
  return best;
}

/**
 * Sum over axis 0 of an m×n matrix: out[j] = Σ_i a[i, j], a length-n vector (the bias gradient
 * Σ_n δ_n). With `accumulate`, adds into `out` instead of overwriting it.
 */
export function sumAxis0(a: Tensor, out?: Tensor, accumulate = false): Tensor {
  checkRank("sumAxis0", "a", a, 2);
  const [m, n] = a.shape as [number, number];
  if (accumulate && out === undefined) throw new TensorError("sumAxis0: accumulate needs an out tensor");
  const result = prepareOut("sumAxis0", out, [n], a);
  a.backend.sumRows(m, n, a.storage, accumulate ? 1 : 0, result.storage);
  return result;
}

/** Index of the largest element of each row of an m×n matrix (the first one on ties). */
export function argmaxRows(a: Tensor, out?: Int32Array): Int32Array {
  checkRank("argmaxRows", "a", a, 2);
  const [m, n] = a.shape as [number, number];
  if (n === 0) throw new ShapeError(`argmaxRows: rows of ${formatShape(a.shape)} are empty`);
  const result = out ?? new Int32Array(m);
  if (result.length !== m) throw new ShapeError(`argmaxRows: out has length ${result.length}, expected ${m}`);
  const x = a.data;
  for (let i = 0; i < m; i++) {
    const row = i * n;
    let best = 0;
    for (let j = 1; j < n; j++) if (x[row + j]! > x[row + best]!) best = j;
    result[i] = best;
  }
  return result;
}

/** Σ_i a_i b_i over all elements. */
export function dot(a: Tensor, b: Tensor): number {
  checkSameShape("dot", a, b);
  const x = a.data;
  const y = b.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** Which vector norm `norm` computes: ‖·‖₁, ‖·‖₂ or ‖·‖∞. */
export type NormOrder = 1 | 2 | "inf";

/** Vector norm over all elements: ‖a‖₁ = Σ|a_i|, ‖a‖₂ = √(Σ a_i²) (overflow-safe), ‖a‖∞ = max|a_i|. */
export function norm(a: Tensor, order: NormOrder = 2): number {
  const x = a.data;
  if (order === 1) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
    return s;
  }
  if (order === "inf") {
    let m = 0;
    for (let i = 0; i < x.length; i++) {
      const v = Math.abs(x[i]!);
      if (Number.isNaN(v)) return Number.NaN;
      if (v > m) m = v;
    }
    return m;
  }
  if (order !== 2) throw new TensorError(`norm: order must be 1, 2 or "inf", got ${String(order)}`);
  // Scaled sum of squares (as LAPACK's dnrm2) so huge or tiny elements neither overflow nor underflow.
  let scaleFactor = 0;
  let ssq = 1;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    if (v === 0) continue;
    if (Number.isNaN(v)) return Number.NaN;
    if (scaleFactor < v) {
      ssq = 1 + ssq * (scaleFactor / v) ** 2;
      scaleFactor = v;
    } else {
      ssq += (v / scaleFactor) ** 2;
    }
  }
  return scaleFactor * Math.sqrt(ssq);
}
