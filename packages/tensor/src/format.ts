import type { FloatArray } from "./dtype.js";

/** Rows or elements shown at each end of a long dimension before `...`, as NumPy and PyTorch do. */
const EDGE_ITEMS = 3;
/** Tensors with more elements than this are summarised. */
const SUMMARY_THRESHOLD = 1000;

function formatNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(0);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e8)) return x.toExponential(4);
  return Number(x.toPrecision(6)).toString();
}

/** Nested-bracket rendering of a row-major array, summarised with `...` when large. */
export function formatElements(data: FloatArray, shape: readonly number[]): string {
  const summarise = data.length > SUMMARY_THRESHOLD;
  const render = (offset: number, axis: number, indent: string): string => {
    if (axis === shape.length) return formatNumber(data[offset]!);
    const dim = shape[axis]!;
    let stride = 1;
    for (let d = axis + 1; d < shape.length; d++) stride *= shape[d]!;
    const indices: (number | null)[] = [];
    if (summarise && dim > 2 * EDGE_ITEMS) {
      for (let i = 0; i < EDGE_ITEMS; i++) indices.push(i);
      indices.push(null);
      for (let i = dim - EDGE_ITEMS; i < dim; i++) indices.push(i);
    } else {
      for (let i = 0; i < dim; i++) indices.push(i);
    }
    const inner = indices.map((i) =>
      i === null ? "..." : render(offset + i * stride, axis + 1, `${indent} `),
    );
    const separator = axis === shape.length - 1 ? ", " : `,\n${indent} `;
    return `[${inner.join(separator)}]`;
  };
  return render(0, 0, "");
}
