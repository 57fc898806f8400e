import type { FloatArray } from "./dtype.js";

/** gemm on typed arrays with element strides (see `createPackedGemm`). */
export type StridedGemm = (
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
) => void;

/** Rows and columns of the register tile: 16 float64 accumulators. */
const TILE = 4;

/**
 * A gemm C ← α·A·B + β·C on typed arrays, where A(i,p) = a[i·rsA + p·csA], B(p,j) = b[p·rsB + j·csB]
 * and C is row-major m×n. Strides cover all four transpose cases without materialising a transpose
 * (Aᵀ stored k×m: rsA = 1, csA = m; Bᵀ stored n×k: rsB = 1, csB = k).
 *
 * B is packed once per call into 4-column panels and A into 4-row panels, both as float64, so the
 * 4×4 micro-kernel reads two contiguous streams and stays monomorphic for float32 and float64
 * inputs alike (float32 → float64 is exact). Each C element is the float64 sum over p = 0..k−1 in
 * order, rounded once when stored: float64 results equal the sequential dot product bit for bit.
 *
 * The packing buffers belong to the returned function and grow to the largest call seen, so
 * repeated calls of the same shape allocate nothing.
 */
export function createPackedGemm(): StridedGemm {
  let packedB = new Float64Array(0);
  let packedA = new Float64Array(0);
  const tile = new Float64Array(TILE * TILE);
  return (m, n, k, alpha, a, rsA, csA, b, rsB, csB, beta, c) => {
    const panels = Math.ceil(n / TILE);
    if (packedB.length < panels * TILE * k) packedB = new Float64Array(panels * TILE * k);
    if (packedA.length < TILE * k) packedA = new Float64Array(TILE * k);
    packPanels(b, csB, rsB, n, k, packedB);
    for (let i0 = 0; i0 < m; i0 += TILE) {
      packRowPanel(a, rsA, csA, i0, m, k, packedA);
      const rows = Math.min(TILE, m - i0);
      for (let panel = 0; panel < panels; panel++) {
        microKernel4x4(k, packedA, packedB, panel * TILE * k, tile);
        const j0 = panel * TILE;
        const cols = Math.min(TILE, n - j0);
        for (let ii = 0; ii < rows; ii++) {
          const row = (i0 + ii) * n + j0;
          for (let jj = 0; jj < cols; jj++) {
            const sum = tile[ii * TILE + jj]!;
            c[row + jj] = beta === 0 ? alpha * sum : beta * c[row + jj]! + alpha * sum;
          }
        }
      }
    }
  };
}

/**
 * Packs B (k×n, B(p,j) = b[p·rsB + j·csB]) into ⌈n/4⌉ panels of k rows × 4 columns, panel-major:
 * out[(panel·k + p)·4 + jj] = B(p, 4·panel + jj), zero past column n.
 */
function packPanels(b: FloatArray, csB: number, rsB: number, n: number, k: number, out: Float64Array): void {
  let q = 0;
  for (let j0 = 0; j0 < n; j0 += TILE) {
    for (let p = 0; p < k; p++) {
      const base = p * rsB;
      for (let jj = 0; jj < TILE; jj++) {
        const j = j0 + jj;
        out[q++] = j < n ? b[base + j * csB]! : 0;
      }
    }
  }
}

/** Packs rows i0..i0+3 of A into out[p·4 + ii] = A(i0 + ii, p), zero past row m. */
function packRowPanel(
  a: FloatArray,
  rsA: number,
  csA: number,
  i0: number,
  m: number,
  k: number,
  out: Float64Array,
): void {
  let q = 0;
  for (let p = 0; p < k; p++) {
    const base = p * csA;
    for (let ii = 0; ii < TILE; ii++) {
      const i = i0 + ii;
      out[q++] = i < m ? a[i * rsA + base]! : 0;
    }
  }
}

/** tile[ii·4 + jj] = Σ_p A(ii, p)·B(p, jj) over packed panels: 16 accumulators held in registers. */
function microKernel4x4(
  k: number,
  pa: Float64Array,
  pb: Float64Array,
  offsetB: number,
  tile: Float64Array,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  const end = k * TILE;
  for (let qa = 0, qb = offsetB; qa < end; qa += TILE, qb += TILE) {
    const a0 = pa[qa]!,
      a1 = pa[qa + 1]!,
      a2 = pa[qa + 2]!,
      a3 = pa[qa + 3]!;
    const b0 = pb[qb]!,
      b1 = pb[qb + 1]!,
      b2 = pb[qb + 2]!,
      b3 = pb[qb + 3]!;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  tile[0] = c00;
  tile[1] = c01;
  tile[2] = c02;
  tile[3] = c03;
  tile[4] = c10;
  tile[5] = c11;
  tile[6] = c12;
  tile[7] = c13;
  tile[8] = c20;
  tile[9] = c21;
  tile[10] = c22;
  tile[11] = c23;
  tile[12] = c30;
  tile[13] = c31;
  tile[14] = c32;
  tile[15] = c33;
}
