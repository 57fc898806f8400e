import type { ReduceKind } from "../backend.js";
import { zeros } from "../create.js";
import { formatShape, ShapeError, TensorError } from "../errors.js";
import { evaluate, lazy } from "../expr.js";
import type { Tensor } from "../tensor.js";
import { checkRank, checkSameShape, prepareOut } from "./check.js";

/** Σ_i a_i (accumulated in float64, in element order). */
export function sum(a: Tensor): number {
  return evaluate({ shape: a.size, sums: [lazy(a)] })[0]!;
}

/** (1/N) Σ_i a_i */
export function mean(a: Tensor): number {
  if (a.size === 0) throw new ShapeError("mean: tensor of shape [0] has no elements");
  return sum(a) / a.size;
}

/** The largest element (NaN if any element is NaN). */
export function max(a: Tensor): number {
  if (a.size === 0) throw new ShapeError(`max: tensor of shape ${formatShape(a.shape)} has no elements`);
  const result = zeros([1], { dtype: a.dtype, backend: a.backend });
  a.backend.reduce("max", 1, 1, a.size, a.storage, 0, result.storage);
  return result.item();
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
  a.backend.reduce("sum", 0, m, n, a.storage, accumulate ? 1 : 0, result.storage);
  return result;
}

/**
 * A reduction of each column (axis 0, out length n) or each row (axis 1, out length m) of an m×n
 * matrix: "sum" Σ, "max" (NaN propagates), "logsumexp" log Σ e^x computed stably as
 * M + log Σ e^{x − M} with M the max (−∞ for an empty or all −∞ line). One backend `reduce` call.
 */
export function reduceAxis(a: Tensor, kind: ReduceKind, axis: 0 | 1, out?: Tensor): Tensor {
  checkRank("reduceAxis", "a", a, 2);
  if (kind !== "sum" && kind !== "max" && kind !== "logsumexp") {
    throw new TensorError(`reduceAxis: kind must be "sum", "max" or "logsumexp", got ${String(kind)}`);
  }
  if (axis !== 0 && axis !== 1) throw new TensorError(`reduceAxis: axis must be 0 or 1, got ${String(axis)}`);
  const [m, n] = a.shape as [number, number];
  const result = prepareOut("reduceAxis", out, [axis === 0 ? n : m], a);
  a.backend.reduce(kind, axis, m, n, a.storage, 0, result.storage);
  return result;
}

/** Index of the largest element of each row of an m×n matrix (the first one on ties). */
export function argmaxRows(a: Tensor, out?: Int32Array): Int32Array {
  checkRank("argmaxRows", "a", a, 2);
  const [m, n] = a.shape as [number, number];
  if (n === 0) throw new ShapeError(`argmaxRows: rows of ${formatShape(a.shape)} are empty`);
  const result = out ?? new Int32Array(m);
  if (result.length !== m) throw new ShapeError(`argmaxRows: out has length ${result.length}, expected ${m}`);
  const x = a.read();
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
  return evaluate({ shape: a.size, sums: [lazy(a).mul(lazy(b))] })[0]!;
}

/** Which vector norm `norm` computes: ‖·‖₁, ‖·‖₂ or ‖·‖∞. */
export type NormOrder = 1 | 2 | "inf";

/** Below this a float64 sum of squares may have lost bits to underflow (2^-968: 54 bits above the subnormals). */
const SQUARES_SAFE_MIN = 2 ** -968;

/**
 * Vector norm over all elements: ‖a‖₁ = Σ|a_i|, ‖a‖₂ = √(Σ a_i²), ‖a‖∞ = max|a_i|. ‖a‖₂ is one
 * float64 sum of squares on the backend; only when that over- or underflows (|a_i| beyond about
 * 1e±150, float64 only) is it recomputed on the CPU with a scaled sum of squares (LAPACK's dnrm2).
 */
export function norm(a: Tensor, order: NormOrder = 2): number {
  if (order === 1) return evaluate({ shape: a.size, sums: [lazy(a).abs()] })[0]!;
  if (order === 2) {
    const squares = evaluate({ shape: a.size, sums: [lazy(a).mul(lazy(a))] })[0]!;
    if (Number.isNaN(squares) || (squares > SQUARES_SAFE_MIN && squares < Infinity)) {
      return Math.sqrt(squares);
    }
  }
  const x = a.read();
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
