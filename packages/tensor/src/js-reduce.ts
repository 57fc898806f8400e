import type { ReduceKind } from "./backend.js";
import type { FloatArray } from "./dtype.js";

/**
 * The JS backend's reductions of an m×n row-major x along `axis` (see `Backend.reduce`): each output
 * reduces the line x[start + t·stride], t < count, in index order, in float64.
 */
export function runReduce(
  kind: ReduceKind,
  axis: 0 | 1,
  m: number,
  n: number,
  x: FloatArray,
  beta: number,
  out: FloatArray,
): void {
  const lines = axis === 0 ? n : m;
  const count = axis === 0 ? m : n;
  const stride = axis === 0 ? n : 1;
  const lineStep = axis === 0 ? 1 : n;
  for (let line = 0; line < lines; line++) {
    const start = line * lineStep;
    let value: number;
    if (kind === "sum") {
      let s = 0;
      for (let t = 0; t < count; t++) s += x[start + t * stride]!;
      value = beta === 0 ? s : beta * out[line]! + s;
    } else {
      let best = Number.NEGATIVE_INFINITY;
      for (let t = 0; t < count; t++) best = Math.max(best, x[start + t * stride]!);
      if (kind === "max" || !Number.isFinite(best)) {
        value = best;
      } else {
        let s = 0;
        for (let t = 0; t < count; t++) s += Math.exp(x[start + t * stride]! - best);
        value = best + Math.log(s);
      }
    }
    out[line] = value;
  }
}
