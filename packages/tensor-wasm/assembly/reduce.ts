// Float32 reductions of an m×n row-major matrix (Backend.reduce), over a range of output elements so
// that threads can share them out: every output element is computed by one call, the same way
// whichever range it falls in.
import { sumFloats } from "./sum";

/** The reduction kinds, in the order of the calling side's REDUCE_KINDS. */
const SUM = 0;
const MAX = 1;
const LOGSUMEXP = 2;

/**
 * axis 0: out[j] = β·out[j] + R_i x[i, j] for columns j in [start, end);
 * axis 1: out[i] = β·out[i] + R_j x[i, j] for rows i in [start, end).
 * R is Σ (accumulated in float64, rounded once), max (NaN-propagating; −∞ for no elements) or
 * log-sum-exp M + ln Σ exp(x − M), M = max (M itself when it is ±∞ or NaN). β is used by SUM only; β = 0 means out
 * is not read.
 */
export function reduceF32(
  kind: i32,
  axis: i32,
  m: i32,
  n: i32,
  x: usize,
  beta: f64,
  out: usize,
  start: i32,
  end: i32,
): void {
  if (axis === 0) {
    let j = start;
    if (kind !== LOGSUMEXP) for (; j + 4 <= end; j += 4) reduceColumns4(kind, m, n, x, beta, out, j);
    for (; j < end; j++)
      reduceStrided(kind, m, x + ((<usize>j) << 2), (<usize>n) << 2, beta, out + ((<usize>j) << 2));
  } else {
    for (let i = start; i < end; i++) {
      const row = x + ((<usize>i * <usize>n) << 2);
      const at = out + ((<usize>i) << 2);
      if (kind === SUM) store<f32>(at, <f32>withBeta(sumFloats(row, 16, n), beta, at));
      else reduceStrided(kind, n, row, 4, beta, at);
    }
  }
}

/** β·out + s in float64 (out not read when β = 0). */
function withBeta(s: f64, beta: f64, at: usize): f64 {
  return beta !== 0 ? beta * <f64>load<f32>(at) + s : s;
}

/** Sum or max of columns j..j+3 down all m rows: four columns per f32x4 (sums in float64, in row order). */
function reduceColumns4(kind: i32, m: i32, n: i32, x: usize, beta: f64, out: usize, j: i32): void {
  const ld = (<usize>n) << 2;
  let px = x + ((<usize>j) << 2);
  const at = out + ((<usize>j) << 2);
  if (kind === MAX) {
    let top = f32x4.splat(-Infinity);
    for (let i = 0; i < m; i++, px += ld) top = f32x4.max(top, v128.load(px));
    v128.store(at, top);
    return;
  }
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  for (let i = 0; i < m; i++, px += ld) {
    const value = v128.load(px);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(value));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(f32x4.shuffle(value, value, 2, 3, 0, 1)));
  }
  if (beta !== 0) {
    const old = v128.load(at);
    const vb = f64x2.splat(beta);
    lo = f64x2.add(f64x2.mul(vb, f64x2.promote_low_f32x4(old)), lo);
    hi = f64x2.add(f64x2.mul(vb, f64x2.promote_low_f32x4(f32x4.shuffle(old, old, 2, 3, 0, 1))), hi);
  }
  v128.store(at, f32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
}

/** One output of any kind over `count` floats at x, x + stride, …: the scalar form of the above. */
function reduceStrided(kind: i32, count: i32, x: usize, stride: usize, beta: f64, at: usize): void {
  if (kind === SUM) {
    let s: f64 = 0;
    for (let t = 0; t < count; t++) s += <f64>load<f32>(x + <usize>t * stride);
    store<f32>(at, <f32>withBeta(s, beta, at));
    return;
  }
  let top: f32 = -Infinity;
  for (let t = 0; t < count; t++) top = max<f32>(top, load<f32>(x + <usize>t * stride));
  if (kind === MAX || !(Mathf.abs(top) < Infinity)) {
    store<f32>(at, top);
    return;
  }
  let s: f64 = 0;
  for (let t = 0; t < count; t++) s += <f64>Mathf.exp(load<f32>(x + <usize>t * stride) - top);
  store<f32>(at, <f32>(<f64>top + Math.log(s)));
}
