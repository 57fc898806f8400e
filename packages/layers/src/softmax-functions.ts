import { checkSameShape, prepareOut, type Tensor } from "@backprop/tensor";
import { LayerError } from "./errors.js";

/** Rows and row length of a tensor read as rows of its last axis. */
function rows(op: string, x: Tensor): [count: number, length: number] {
  if (x.rank === 0) throw new LayerError(`${op}: needs at least one axis, got a scalar`);
  const length = x.shape[x.rank - 1]!;
  return [length === 0 ? 0 : x.size / length, length];
}

/**
 * Softmax over the last axis (the notes' [h(x)]_i = e^{x_i}/Σ_j e^{x_j}), computed as
 * e^{x_i − m}/Σ_j e^{x_j − m} with m = max_j x_j so no exponential overflows. `out` may be `x`.
 */
export function softmax(x: Tensor, out?: Tensor): Tensor {
  const [count, n] = rows("softmax", x);
  const result = prepareOut("softmax", out, x.shape, x);
  const xs = x.data;
  const ys = result.data;
  for (let r = 0; r < count; r++) {
    const start = r * n;
    let m = -Infinity;
    for (let j = start; j < start + n; j++) if (xs[j]! > m) m = xs[j]!;
    let total = 0;
    for (let j = start; j < start + n; j++) {
      const e = Math.exp(xs[j]! - m);
      ys[j] = e;
      total += e;
    }
    for (let j = start; j < start + n; j++) ys[j] = ys[j]! / total;
  }
  return result;
}

/**
 * Softmax's vector–Jacobian product, row by row: with y = softmax(x) and ∂y_i/∂x_k = y_i(1[i=k] − y_k),
 * dx = y ⊙ (dy − Σ_j dy_j y_j). `out` may be `dy`.
 */
export function softmaxBackward(y: Tensor, dy: Tensor, out?: Tensor): Tensor {
  checkSameShape("softmaxBackward", y, dy);
  const [count, n] = rows("softmaxBackward", y);
  const result = prepareOut("softmaxBackward", out, y.shape, y);
  const ys = y.data;
  const gs = dy.data;
  const dx = result.data;
  for (let r = 0; r < count; r++) {
    const start = r * n;
    let dotted = 0;
    for (let j = start; j < start + n; j++) dotted += gs[j]! * ys[j]!;
    for (let j = start; j < start + n; j++) dx[j] = ys[j]! * (gs[j]! - dotted);
  }
  return result;
}

/**
 * Log-softmax over the last axis: log(e^{x_i}/Σ_j e^{x_j}) = x_i − m − log Σ_j e^{x_j − m}, m = max_j x_j.
 * `out` may be `x`.
 */
export function logSoftmax(x: Tensor, out?: Tensor): Tensor {
  const [count, n] = rows("logSoftmax", x);
  const result = prepareOut("logSoftmax", out, x.shape, x);
  const xs = x.data;
  const ys = result.data;
  for (let r = 0; r < count; r++) {
    const start = r * n;
    let m = -Infinity;
    for (let j = start; j < start + n; j++) if (xs[j]! > m) m = xs[j]!;
    let total = 0;
    for (let j = start; j < start + n; j++) total += Math.exp(xs[j]! - m);
    const shift = m + Math.log(total);
    for (let j = start; j < start + n; j++) ys[j] = xs[j]! - shift;
  }
  return result;
}

/** Log-softmax's vector–Jacobian product: with y = logSoftmax(x), dx = dy − e^{y} Σ_j dy_j. `out` may be `dy`. */
export function logSoftmaxBackward(y: Tensor, dy: Tensor, out?: Tensor): Tensor {
  checkSameShape("logSoftmaxBackward", y, dy);
  const [count, n] = rows("logSoftmaxBackward", y);
  const result = prepareOut("logSoftmaxBackward", out, y.shape, y);
  const ys = y.data;
  const gs = dy.data;
  const dx = result.data;
  for (let r = 0; r < count; r++) {
    const start = r * n;
    let total = 0;
    for (let j = start; j < start + n; j++) total += gs[j]!;
    for (let j = start; j < start + n; j++) dx[j] = gs[j]! - Math.exp(ys[j]!) * total;
  }
  return result;
}
