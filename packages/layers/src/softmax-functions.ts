import {
  checkSameShape,
  columnVector,
  evaluate,
  lazy,
  prepareOut,
  type ReduceKind,
  type Tensor,
  zeros,
} from "@backprop/tensor";
import { LayerError } from "./errors.js";

/*
 * Softmax and log-softmax over the last axis of a tensor read as rows [count, n]: a reduction over
 * each row (`Backend.reduce`, axis 1) into a per-row column, then one elementwise pass that reads it
 * as a column vector. The layers pass their own buffers as `rowScratch` / `scratch`; the exported
 * functions make them.
 */

/** Rows and row length of a tensor read as rows of its last axis. */
function rows(op: string, x: Tensor): [count: number, length: number] {
  if (x.rank === 0) throw new LayerError(`${op}: needs at least one axis, got a scalar`);
  const length = x.shape[x.rank - 1]!;
  return [length === 0 ? 0 : x.size / length, length];
}

/** out[r] = R_j x[r, j] over each row of x ([count, n]); `out` has `count` elements. */
function reduceRows(kind: ReduceKind, x: Tensor, count: number, n: number, out: Tensor): Tensor {
  x.backend.reduce(kind, 1, count, n, x.storage, 0, out.storage);
  return out;
}

/** A per-row buffer of `count` elements like `x`: `given` when the caller keeps one. */
function rowBuffer(x: Tensor, count: number, given: Tensor | undefined): Tensor {
  return given ?? zeros([count], { dtype: x.dtype, backend: x.backend });
}

/**
 * Softmax over the last axis (the notes' [h(x)]_i = e^{x_i}/Σ_j e^{x_j}), computed as
 * e^{x_i − m}/Σ_j e^{x_j − m} with m = max_j x_j so no exponential overflows. `out` may be `x`.
 */
export function softmax(x: Tensor, out?: Tensor, rowScratch?: Tensor): Tensor {
  const [count, n] = rows("softmax", x);
  const result = prepareOut("softmax", out, x.shape, x);
  if (count === 0) return result;
  const perRow = rowBuffer(x, count, rowScratch);
  const space: [number, number] = [count, n];
  const m = reduceRows("max", x, count, n, perRow);
  evaluate({ shape: space, assign: [[result, lazy(x).sub(columnVector(m)).exp()]] });
  const total = reduceRows("sum", result, count, n, perRow);
  evaluate({ shape: space, assign: [[result, lazy(result).div(columnVector(total))]] });
  return result;
}

/**
 * Softmax's vector–Jacobian product, row by row: with y = softmax(x) and ∂y_i/∂x_k = y_i(1[i=k] − y_k),
 * dx = y ⊙ (dy − Σ_j dy_j y_j). `out` may be `dy`.
 */
export function softmaxBackward(
  y: Tensor,
  dy: Tensor,
  out?: Tensor,
  scratch?: { products: Tensor; rows: Tensor },
): Tensor {
  checkSameShape("softmaxBackward", y, dy);
  const [count, n] = rows("softmaxBackward", y);
  const result = prepareOut("softmaxBackward", out, y.shape, y);
  if (count === 0) return result;
  const space: [number, number] = [count, n];
  const products = scratch?.products ?? zeros(y.shape, { dtype: y.dtype, backend: y.backend });
  evaluate({ shape: space, assign: [[products, lazy(dy).mul(lazy(y))]] });
  const dotted = reduceRows("sum", products, count, n, rowBuffer(y, count, scratch?.rows));
  evaluate({ shape: space, assign: [[result, lazy(y).mul(lazy(dy).sub(columnVector(dotted)))]] });
  return result;
}

/**
 * Log-softmax over the last axis: log(e^{x_i}/Σ_j e^{x_j}) = x_i − lse, lse = m + log Σ_j e^{x_j − m},
 * m = max_j x_j (the backend's stable log-sum-exp). `out` may be `x`.
 */
export function logSoftmax(x: Tensor, out?: Tensor, rowScratch?: Tensor): Tensor {
  const [count, n] = rows("logSoftmax", x);
  const result = prepareOut("logSoftmax", out, x.shape, x);
  if (count === 0) return result;
  const lse = reduceRows("logsumexp", x, count, n, rowBuffer(x, count, rowScratch));
  evaluate({ shape: [count, n], assign: [[result, lazy(x).sub(columnVector(lse))]] });
  return result;
}

/** Log-softmax's vector–Jacobian product: with y = logSoftmax(x), dx = dy − e^{y} Σ_j dy_j. `out` may be `dy`. */
export function logSoftmaxBackward(y: Tensor, dy: Tensor, out?: Tensor, rowScratch?: Tensor): Tensor {
  checkSameShape("logSoftmaxBackward", y, dy);
  const [count, n] = rows("logSoftmaxBackward", y);
  const result = prepareOut("logSoftmaxBackward", out, y.shape, y);
  if (count === 0) return result;
  const total = reduceRows("sum", dy, count, n, rowBuffer(y, count, rowScratch));
  evaluate({ shape: [count, n], assign: [[result, lazy(dy).sub(lazy(y).exp().mul(columnVector(total)))]] });
  return result;
}
