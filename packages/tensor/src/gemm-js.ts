import type { FloatArray } from "./dtype.js";

/**
 * gemm on typed arrays with element strides: C ← α·A·B + β·C, where A(i,p) = a[i·rsA + p·csA],
 * B(p,j) = b[p·rsB + j·csB] and C is row-major m×n. Strides cover all four transpose cases
 * without copying (Aᵀ stored k×m: rsA = 1, csA = m; Bᵀ stored n×k: rsB = 1, csB = k).
 *
 * The core is a 4×4 register tile: 16 scalar accumulators, each A and B element loaded once per
 * tile step. In V8 this runs several times faster than a triple loop, whose every C update is a
 * typed-array load and store (see BENCHMARKS.md). Each C element is a sum over p = 0..k-1 in order,
 * in float64, rounded once when stored.
 */
export function gemmStrided(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  rsA: number,
  csA: number,
  b: FloatArray,
  rsB: number,
  csB: number,
  beta: number,
  c: FloatArray,
): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    for (let j = 0; j < n4; j += 4) {
      tile4x4(i, j, n, k, alpha, a, rsA, csA, b, rsB, csB, beta, c);
    }
    if (n4 < n) edgeTile(i, i + 4, n4, n, n, k, alpha, a, rsA, csA, b, rsB, csB, beta, c);
  }
  if (m4 < m) edgeTile(m4, m, 0, n, n, k, alpha, a, rsA, csA, b, rsB, csB, beta, c);
}

/** Stores alpha·sum into C[index], scaling the old value by beta (β = 0: C is not read). */
function store(c: FloatArray, index: number, alpha: number, sum: number, beta: number): void {
  c[index] = beta === 0 ? alpha * sum : beta * c[index]! + alpha * sum;
}

function tile4x4(
  i: number,
  j: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  rsA: number,
  csA: number,
  b: FloatArray,
  rsB: number,
  csB: number,
  beta: number,
  c: FloatArray,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let pa = i * rsA;
  let pb = j * csB;
  const rsA2 = 2 * rsA, rsA3 = 3 * rsA;
  const csB2 = 2 * csB, csB3 = 3 * csB;
  for (let p = 0; p < k; p++) {
    const a0 = a[pa]!, a1 = a[pa + rsA]!, a2 = a[pa + rsA2]!, a3 = a[pa + rsA3]!;
    const b0 = b[pb]!, b1 = b[pb + csB]!, b2 = b[pb + csB2]!, b3 = b[pb + csB3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    pa += csA;
    pb += rsB;
  }
  let r = i * n + j;
  store(c, r, alpha, c00, beta); store(c, r + 1, alpha, c01, beta); store(c, r + 2, alpha, c02, beta); store(c, r + 3, alpha, c03, beta);
  r += n;
  store(c, r, alpha, c10, beta); store(c, r + 1, alpha, c11, beta); store(c, r + 2, alpha, c12, beta); store(c, r + 3, alpha, c13, beta);
  r += n;
  store(c, r, alpha, c20, beta); store(c, r + 1, alpha, c21, beta); store(c, r + 2, alpha, c22, beta); store(c, r + 3, alpha, c23, beta);
  r += n;
  store(c, r, alpha, c30, beta); store(c, r + 1, alpha, c31, beta); store(c, r + 2, alpha, c32, beta); store(c, r + 3, alpha, c33, beta);
}

/** The rows [i0, i1) × columns [j0, j1) that do not fill a whole 4×4 tile: one dot product each. */
function edgeTile(
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  rsA: number,
  csA: number,
  b: FloatArray,
  rsB: number,
  csB: number,
  beta: number,
  c: FloatArray,
): void {
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      let sum = 0;
      let pa = i * rsA;
      let pb = j * csB;
      for (let p = 0; p < k; p++) {
        sum += a[pa]! * b[pb]!;
        pa += csA;
        pb += rsB;
      }
      store(c, i * n + j, alpha, sum, beta);
    }
  }
}
