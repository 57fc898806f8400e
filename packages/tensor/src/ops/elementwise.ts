import { formatShape, ShapeError } from "../errors.js";
import { constant, type Expr, evaluate, lazy, rowVector } from "../expr.js";
import type { Tensor } from "../tensor.js";
import { checkCompatible, checkRank, checkSameShape, prepareOut } from "./check.js";

/*
 * Elementwise kernels, each one expression run by `evaluate` (one backend elementwise pass). `out`
 * may be one of the inputs (in place): each element is read before it is written. Shapes must match
 * exactly; the one broadcast is `addRowVector` (the bias).
 */

function binary(
  op: string,
  a: Tensor,
  b: Tensor,
  out: Tensor | undefined,
  f: (x: Expr, y: Expr) => Expr,
): Tensor {
  checkSameShape(op, a, b);
  const result = prepareOut(op, out, a.shape, a);
  evaluate({ shape: a.size, assign: [[result, f(lazy(a), lazy(b))]] });
  return result;
}

/** out = a + b */
export function add(a: Tensor, b: Tensor, out?: Tensor): Tensor {
  return binary("add", a, b, out, (x, y) => x.add(y));
}

/** out = a − b */
export function sub(a: Tensor, b: Tensor, out?: Tensor): Tensor {
  return binary("sub", a, b, out, (x, y) => x.sub(y));
}

/** out = a ⊙ b (Hadamard product) */
export function mul(a: Tensor, b: Tensor, out?: Tensor): Tensor {
  return binary("mul", a, b, out, (x, y) => x.mul(y));
}

/** out = a ⊘ b (elementwise quotient) */
export function div(a: Tensor, b: Tensor, out?: Tensor): Tensor {
  return binary("div", a, b, out, (x, y) => x.div(y));
}

/**
 * out = f(a, b) elementwise with a JS function: the slow escape hatch. It reads both tensors to the
 * CPU, maps, and writes back, on any backend; the library's own hot paths use expressions instead.
 */
export function map2(a: Tensor, b: Tensor, f: (x: number, y: number) => number, out?: Tensor): Tensor {
  checkSameShape("map2", a, b);
  const result = prepareOut("map2", out, a.shape, a);
  const x = a.read(new Float64Array(a.size));
  const y = b.read(new Float64Array(b.size));
  for (let i = 0; i < x.length; i++) x[i] = f(x[i]!, y[i]!);
  result.write(x);
  return result;
}

/**
 * out = f(a) elementwise with a JS function: the slow escape hatch (reads to the CPU, maps, writes
 * back; works on any backend). For speed write the function as an expression and use `evaluate`.
 */
export function map(a: Tensor, f: (x: number) => number, out?: Tensor): Tensor {
  const result = prepareOut("map", out, a.shape, a);
  const x = a.read(new Float64Array(a.size));
  for (let i = 0; i < x.length; i++) x[i] = f(x[i]!);
  result.write(x);
  return result;
}

/** out = s·a */
export function scale(a: Tensor, s: number, out?: Tensor): Tensor {
  const result = prepareOut("scale", out, a.shape, a);
  evaluate({ shape: a.size, assign: [[result, constant(s).mul(lazy(a))]] });
  return result;
}

/** axpy: y ← α·x + y, in place; returns y. */
export function axpy(alpha: number, x: Tensor, y: Tensor): Tensor {
  checkSameShape("axpy", x, y);
  evaluate({ shape: y.size, assign: [[y, constant(alpha).mulAdd(lazy(x), lazy(y))]] });
  return y;
}

/** Copies `source` into `target` (same shape and dtype); returns `target`. */
export function copy(source: Tensor, target: Tensor): Tensor {
  checkSameShape("copy", source, target);
  if (source.storage !== target.storage) evaluate({ shape: target.size, assign: [[target, lazy(source)]] });
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
  evaluate({ shape: [m, n], assign: [[result, lazy(a).add(rowVector(v))]] });
  return result;
}
