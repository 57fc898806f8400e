import { formatShape, ShapeError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { checkCompatible, checkRank, checkSameShape, prepareOut } from "./check.js";

/*
 * Elementwise kernels. `out` may be one of the inputs (in place): each element is read before it is
 * written. Shapes must match exactly; the one broadcast is `addRowVector` (the bias).
 */

function binary(
  op: string,
  a: Tensor,
  b: Tensor,
  out: Tensor | undefined,
  f: (x: number, y: number) => number,
): Tensor {
  checkSameShape(op, a, b);
  const result = prepareOut(op, out, a.shape, a);
  const x = a.data;
  const y = b.data;
  const z = result.data;
  for (let i = 0; i < z.length; i++) z[i] = f(x[i]!, y[i]!);
  return result;
}

/** out = a + b */
export function add(a: Tensor, b: Tensor, out?: Tensor): Tensor {
  return binary("add", a, b, out, (x, y) => x + y);
}

/** out = a − b */
export function sub(a: Tensor, b: Tensor, out?: Tensor): Tensor {
  return binary("sub", a, b, out, (x, y) => x - y);
}

/** out = a ⊙ b (Hadamard product) */
export function mul(a: Tensor, b: Tensor, out?: Tensor): Tensor {
  return binary("mul", a, b, out, (x, y) => x * y);
}

/** out = a ⊘ b (elementwise quotient) */
export function div(a: Tensor, b: Tensor, out?: Tensor): Tensor {
  return binary("div", a, b, out, (x, y) => x / y);
}

/** out = f(a, b) elementwise, e.g. h′(a) ⊙ δ. */
export function map2(a: Tensor, b: Tensor, f: (x: number, y: number) => number, out?: Tensor): Tensor {
  return binary("map2", a, b, out, f);
}

/** out = f(a) elementwise. */
export function map(a: Tensor, f: (x: number) => number, out?: Tensor): Tensor {
  const result = prepareOut("map", out, a.shape, a);
  const x = a.data;
  const z = result.data;
  for (let i = 0; i < z.length; i++) z[i] = f(x[i]!);
  return result;
}

/** out = s·a */
export function scale(a: Tensor, s: number, out?: Tensor): Tensor {
  const result = prepareOut("scale", out, a.shape, a);
  const x = a.data;
  const z = result.data;
  for (let i = 0; i < z.length; i++) z[i] = s * x[i]!;
  return result;
}

/** axpy: y ← α·x + y, in place; returns y. */
export function axpy(alpha: number, x: Tensor, y: Tensor): Tensor {
  checkSameShape("axpy", x, y);
  const xs = x.data;
  const ys = y.data;
  for (let i = 0; i < ys.length; i++) ys[i] = alpha * xs[i]! + ys[i]!;
  return y;
}

/** Copies `source` into `target` (same shape and dtype); returns `target`. */
export function copy(source: Tensor, target: Tensor): Tensor {
  checkSameShape("copy", source, target);
  target.data.set(source.data);
  return target;
}

/** Bias broadcast: out[i, j] = a[i, j] + v[j] for a rank-2 `a` (m×n) and a length-n `v`. */
export function addRowVector(a: Tensor, v: Tensor, out?: Tensor): Tensor {
  checkRank("addRowVector", "a", a, 2);
  checkCompatible("addRowVector", a, v);
  const [m, n] = a.shape as [number, number];
  if (v.size !== n || v.rank > 2 || (v.rank === 2 && v.shape[0] !== 1)) {
    throw new ShapeError(
      `addRowVector: row vector ${formatShape(v.shape)} does not fit matrix ${formatShape(a.shape)}; expected [${n}]`,
    );
  }
  const result = prepareOut("addRowVector", out, a.shape, a);
  a.backend.addRowVector(m, n, a.storage, v.storage, result.storage);
  return result;
}
