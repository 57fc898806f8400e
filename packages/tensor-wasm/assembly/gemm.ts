// The float32 gemm: a packed-B, register-blocked 4×8 f32x4 micro-kernel for every transpose case;
// Aᵀ with a 4 KiB-multiple row step is packed too, in row blocks that stay in L2.

/** Depth of one packed block of B (rows of op(B) packed at a time). */
const KC: i32 = 1024;
/** Width of a packed panel of B and of the register tile: 8 columns = 2 f32x4 vectors. */
const NR: i32 = 8;

/**
 * Floats of the buffer a packed op(A) = Aᵀ goes into (512 KiB, half of a 1 MiB L2): its rows are
 * packed in the fewest equal blocks (multiples of 4 rows) that fit, each block staying in L2 while
 * every panel of B passes over it.
 */
const PACKED_A_FLOATS: i32 = 131072;

/** Rows per packed block of Aᵀ: `rows` cut into the fewest equal multiples of 4 that fit PACKED_A_FLOATS at depth kc. */
function packedBlockRows(rows: i32, kc: i32): i32 {
  const fit = max(4, (PACKED_A_FLOATS / max(kc, 1)) & ~3);
  const blocks = max(1, (rows + fit - 1) / fit);
  return max(4, (((rows + blocks - 1) / blocks + 3) / 4) * 4);
}

/** Bytes of scratch gemm needs for a product with inner dimension k and n columns. */
export function gemmScratchBytes(n: i32, k: i32): i32 {
  const kc = min(KC, k);
  return ((n + NR - 1) / NR) * kc * NR * 4 + 2 * 16 + PACKED_A_FLOATS * 4;
}

/** acc + a·b lane-wise: f32x4.relaxed_madd (one FMA) in the relaxed-SIMD build, mul then add otherwise. */
function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * Packs rows p0..p0+kc, columns jStart..jEnd of op(B) into ⌈(jEnd − jStart)/8⌉ panels of kc×8 floats,
 * zero-padded on the right: panel q holds P[p·8 + jj] = op(B)(p0 + p, jStart + 8q + jj).
 * op(B) = B (k×n, B(p,j) = b[p·n + j]) or Bᵀ (B stored n×k, Bᵀ(p,j) = b[j·k + p]); the transposed
 * case moves 4×4 blocks through shuffles.
 */
function packB(
  transB: bool,
  n: i32,
  k: i32,
  b: usize,
  p0: i32,
  kc: i32,
  jStart: i32,
  jEnd: i32,
  dst: usize,
): void {
  const panels = (jEnd - jStart + NR - 1) / NR;
  for (let q = 0; q < panels; q++) {
    const j0 = jStart + q * NR;
    const w = min(NR, jEnd - j0);
    const panel = dst + ((<usize>q * <usize>kc * NR) << 2);
    if (!transB) {
      for (let p = 0; p < kc; p++) {
        const src = b + ((<usize>(p0 + p) * <usize>n + <usize>j0) << 2);
        const out = panel + ((<usize>(p * NR)) << 2);
        if (w === NR) {
          v128.store(out, v128.load(src));
          v128.store(out, v128.load(src, 16), 16);
        } else {
          for (let jj = 0; jj < w; jj++)
            store<f32>(out + ((<usize>jj) << 2), load<f32>(src + ((<usize>jj) << 2)));
          for (let jj = w; jj < NR; jj++) store<f32>(out + ((<usize>jj) << 2), 0);
        }
      }
    } else {
      let p = 0;
      if (w === NR) {
        for (; p + 4 <= kc; p += 4) {
          transpose4(b, k, j0, p0 + p, panel + ((<usize>(p * NR)) << 2));
          transpose4(b, k, j0 + 4, p0 + p, panel + ((<usize>(p * NR)) << 2) + 16);
        }
      }
      for (; p < kc; p++) {
        const out = panel + ((<usize>(p * NR)) << 2);
        for (let jj = 0; jj < w; jj++) {
          store<f32>(
            out + ((<usize>jj) << 2),
            load<f32>(b + ((<usize>(j0 + jj) * <usize>k + <usize>(p0 + p)) << 2)),
          );
        }
        for (let jj = w; jj < NR; jj++) store<f32>(out + ((<usize>jj) << 2), 0);
      }
    }
  }
}

/**
 * Moves the 4×4 block Bᵀ(p..p+3, j..j+3) (stored as rows j..j+3 of b, columns p..p+3) into four
 * packed rows of a panel (row stride 8 floats): out[r·8 + c] = b[(j + c)·k + p + r].
 */
function transpose4(b: usize, k: i32, j: i32, p: i32, out: usize): void {
  const row = (<usize>k) << 2;
  const src = b + ((<usize>j * <usize>k + <usize>p) << 2);
  const r0 = v128.load(src);
  const r1 = v128.load(src + row);
  const r2 = v128.load(src + 2 * row);
  const r3 = v128.load(src + 3 * row);
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(out, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(out, f32x4.shuffle(t0, t2, 2, 3, 6, 7), NR * 4);
  v128.store(out, f32x4.shuffle(t1, t3, 0, 1, 4, 5), 2 * NR * 4);
  v128.store(out, f32x4.shuffle(t1, t3, 2, 3, 6, 7), 3 * NR * 4);
}

/**
 * Copies rows ib..ib+rows (rows a multiple of 4) and depths p0..p0+kc of op(A) = Aᵀ (stored k×m:
 * Aᵀ(i,p) = a[p·m + i]) into tiles of 4 rows, dst[(t·kc + p)·4 + r] = Aᵀ(ib + 4t + r, p0 + p), so
 * the kernel steps through a tile 16 bytes per p instead of m floats.
 */
function packTransposedA(a: usize, m: i32, ib: i32, rows: i32, p0: i32, kc: i32, dst: usize): void {
  const tiles = rows >> 2;
  for (let p = 0; p < kc; p++) {
    const src = a + ((<usize>(p0 + p) * <usize>m + <usize>ib) << 2);
    for (let t = 0; t < tiles; t++)
      v128.store(dst + ((<usize>t * <usize>kc + <usize>p) << 4), v128.load(src + ((<usize>t) << 4)));
  }
}

/**
 * Writes one row of a register tile: C[j] ← α·acc[j] + β·C[j] for j < w (β = 0: C is not read).
 * Partial rows go through `tmp` (32 bytes of the caller's scratch) and scalar f32 arithmetic, which
 * rounds exactly like the f32x4 lanes.
 */
function storeRow(c: usize, acc0: v128, acc1: v128, w: i32, alpha: f32, beta: f32, tmp: usize): void {
  const va = f32x4.splat(alpha);
  if (w === NR) {
    let v0 = f32x4.mul(va, acc0);
    let v1 = f32x4.mul(va, acc1);
    if (beta !== 0) {
      const vb = f32x4.splat(beta);
      v0 = f32x4.add(v0, f32x4.mul(vb, v128.load(c)));
      v1 = f32x4.add(v1, f32x4.mul(vb, v128.load(c, 16)));
    }
    v128.store(c, v0);
    v128.store(c, v1, 16);
    return;
  }
  v128.store(tmp, acc0);
  v128.store(tmp, acc1, 16);
  for (let jj = 0; jj < w; jj++) {
    const at = c + ((<usize>jj) << 2);
    let value: f32 = alpha * load<f32>(tmp + ((<usize>jj) << 2));
    if (beta !== 0) value = value + beta * load<f32>(at);
    store<f32>(at, value);
  }
}

/**
 * The 4×8 micro-kernel: acc[r] = Σ_{p<kc} A(i+r, p)·P[p] for r < 4, with A(i,p) read through byte
 * strides (rsA between rows, csA between p) and P a packed panel; 8 f32x4 accumulators stay in
 * registers. Each C element is summed over p in order, exactly as in the 1-row kernel below, so the
 * result of an element does not depend on which tile (or thread) computed it.
 */
function kernel4x8(
  kc: i32,
  a: usize,
  rsA: usize,
  csA: usize,
  panel: usize,
  c: usize,
  ldc: usize,
  w: i32,
  alpha: f32,
  beta: f32,
  tmp: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let pa = a;
  let pb = panel;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    const a1 = v128.load32_splat(pa + rsA);
    const a2 = v128.load32_splat(pa + 2 * rsA);
    const a3 = v128.load32_splat(pa + 3 * rsA);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    pa += csA;
    pb += NR * 4;
  }
  storeRow(c, c00, c01, w, alpha, beta, tmp);
  storeRow(c + ldc, c10, c11, w, alpha, beta, tmp);
  storeRow(c + 2 * ldc, c20, c21, w, alpha, beta, tmp);
  storeRow(c + 3 * ldc, c30, c31, w, alpha, beta, tmp);
}

/** The 1×8 micro-kernel for the last m mod 4 rows: acc = Σ_{p<kc} A(i, p)·P[p]. */
function kernel1x8(
  kc: i32,
  a: usize,
  csA: usize,
  panel: usize,
  c: usize,
  w: i32,
  alpha: f32,
  beta: f32,
  tmp: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let pa = a;
  let pb = panel;
  for (let p = 0; p < kc; p++) {
    const a0 = v128.load32_splat(pa);
    c00 = madd(a0, v128.load(pb), c00);
    c01 = madd(a0, v128.load(pb, 16), c01);
    pa += csA;
    pb += NR * 4;
  }
  storeRow(c, c00, c01, w, alpha, beta, tmp);
}

/**
 * gemm on the block rows [i0, i1) × columns [j0, j1) of C: C ← α·op(A)·op(B) + β·C, op(A) m×k,
 * op(B) k×n, C m×n row-major; j0 is a multiple of 8 (a panel boundary).
 * op(A) = A (stored m×k: A(i,p) = a[i·k + p]) or Aᵀ (stored k×m: Aᵀ(i,p) = a[p·m + i]), read through
 * strides; columns j0..j1 of op(B) are packed per block of KC rows into `scratch`
 * (gemmScratchBytes(j1 − j0, k) bytes). Blocks after the first accumulate with β = 1. β = 0 means C is
 * not read. Element C_ij gets the same instruction sequence whichever block it is computed in.
 */
export function gemmF32(
  transA: bool,
  transB: bool,
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: usize,
  b: usize,
  beta: f32,
  c: usize,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  scratch: usize,
): void {
  const rsA: usize = transA ? 4 : (<usize>k) << 2;
  const csA: usize = transA ? (<usize>m) << 2 : 4;
  const ldc: usize = (<usize>n) << 2;
  const panels = (j1 - j0 + NR - 1) / NR;
  const tmp = scratch + ((<usize>panels * <usize>min(KC, k) * NR) << 2);
  const aPacked = tmp + 32;
  // Aᵀ is packed when its step between consecutive p, m floats, is a multiple of 4 KiB: every p then
  // falls in one L1 set (64 sets of 64 bytes) and the weight gradient of a 1024-wide layer ran at
  // 27–31 GFLOP/s against 50–57 at m = 128…768, where reading in place is a few % faster.
  const packA = transA && (m & 1023) === 0;
  // Strides of the A the 4-row kernel reads: packed tiles or A itself.
  const tileRs: usize = packA ? 4 : rsA;
  const tileCs: usize = packA ? 16 : csA;
  let p0 = 0;
  do {
    const kc = min(KC, k - p0);
    const blockBeta: f32 = p0 === 0 ? beta : 1;
    packB(transB, n, k, b, p0, kc, j0, j1, scratch);
    const aBlock = a + <usize>p0 * csA;
    // Row blocks: Aᵀ in packed blocks when it is packed; A read in place in one.
    const mc = packA ? packedBlockRows(i1 - i0, kc) : max(1, i1 - i0);
    for (let ib = i0; ib < i1; ib += mc) {
      const ie = min(i1, ib + mc);
      const tiled = (ie - ib) & ~3;
      if (packA) packTransposedA(a, m, ib, tiled, p0, kc, aPacked);
      for (let q = 0; q < panels; q++) {
        const jq = j0 + q * NR;
        const w = min(NR, j1 - jq);
        const panel = scratch + ((<usize>q * <usize>kc * NR) << 2);
        let i = ib;
        for (; i + 4 <= ie; i += 4) {
          const cTile = c + <usize>i * ldc + ((<usize>jq) << 2);
          const tile = packA
            ? aPacked + ((<usize>((i - ib) >> 2) * <usize>kc) << 4)
            : aBlock + <usize>i * rsA;
          kernel4x8(kc, tile, tileRs, tileCs, panel, cTile, ldc, w, alpha, blockBeta, tmp);
        }
        for (; i < ie; i++) {
          const cRow = c + <usize>i * ldc + ((<usize>jq) << 2);
          kernel1x8(kc, aBlock + <usize>i * rsA, csA, panel, cRow, w, alpha, blockBeta, tmp);
        }
      }
    }
    p0 += KC;
  } while (p0 < k);
}
