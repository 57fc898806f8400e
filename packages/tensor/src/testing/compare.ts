/**
 * How closely a backend's result must match the JS reference: |actual − expected| ≤ bound, with NaN
 * matching only NaN and ±∞ only itself. `rel`·|expected| + `abs`, or per-element bounds; `{ rel: 0,
 * abs: 0 }` is exact (−0 and +0 count as equal).
 */
export type Tolerance = { readonly rel: number; readonly abs: number } | readonly Float64Array[];

export const EXACT: Tolerance = { rel: 0, abs: 0 };

/** The first element that breaks `tolerance`, described, or undefined when all match. */
export function firstMismatch(
  actual: readonly Float64Array[],
  expected: readonly Float64Array[],
  tolerance: Tolerance,
): string | undefined {
  if (actual.length !== expected.length) return `${actual.length} results, expected ${expected.length}`;
  for (let r = 0; r < expected.length; r++) {
    const x = actual[r]!;
    const e = expected[r]!;
    if (x.length !== e.length) return `result ${r} has ${x.length} elements, expected ${e.length}`;
    const bounds = Array.isArray(tolerance) ? (tolerance as readonly Float64Array[])[r] : undefined;
    const { rel, abs } = Array.isArray(tolerance)
      ? { rel: 0, abs: 0 }
      : (tolerance as { rel: number; abs: number });
    for (let k = 0; k < e.length; k++) {
      const want = e[k]!;
      const got = x[k]!;
      const allowed = bounds === undefined ? rel * Math.abs(want) + abs : bounds[k]!;
      const ok = Number.isNaN(want)
        ? Number.isNaN(got)
        : Number.isFinite(want)
          ? Math.abs(got - want) <= allowed
          : got === want;
      if (!ok) {
        return `result ${r}[${k}] is ${got}, the JS reference ${want} (allowed error ${allowed.toPrecision(3)})`;
      }
    }
  }
  return undefined;
}
