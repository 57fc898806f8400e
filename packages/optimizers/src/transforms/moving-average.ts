import { type Expr, lazy, type Tensor } from "@backprop/tensor";
import type { UpdateContext } from "../transform.js";

/** The exponential moving average x_t = β·x_{t−1} + (1 − β)·v, in PyTorch's order: x·β + v·(1 − β). */
export function ema(previous: Expr, value: Expr, beta: number): Expr {
  return previous.mul(beta).add(value.mul(1 - beta));
}

/** The moving average of a square, x_t = β·x_{t−1} + (1 − β)·v², in PyTorch's order: x·β + (v·(1 − β))·v. */
export function emaOfSquare(previous: Expr, value: Expr, beta: number): Expr {
  return previous.mul(beta).add(value.mul(1 - beta).mul(value));
}

/** buffer ← average(buffer, value, β) for parameter i (`ema` unless given `emaOfSquare`); returns the new average. */
export function updateEma(
  context: UpdateContext,
  i: number,
  buffer: Tensor,
  value: Expr,
  beta: number,
  average: typeof ema = ema,
): Expr {
  return context.assign(i, buffer, average(lazy(buffer), value, beta));
}
