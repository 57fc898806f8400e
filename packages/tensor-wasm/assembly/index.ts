// Float32 kernels of @backprop/tensor-wasm, compiled by scripts/asbuild.mjs with
// `asc --runtime stub --noAssert -O3 --enable simd` (plus `--enable relaxed-simd`, and the shared-memory
// `--enable threads --importMemory --sharedMemory` builds). Every function works on raw byte pointers
// into linear memory that the JavaScript side allocates; nothing here allocates or keeps state.

/** Depth of one packed block of B (rows of op(B) packed at a time). */
const KC: i32 = 1024;
/** Width of a packed panel of B and of the register tile: 8 columns = 2 f32x4 vectors. */
const NR: i32 = 8;
/** The smallest normal float32, 2^-126; magnitudes below it are subnormal and flushed to zero. */
const MIN_NORMAL_F32: f32 = 1.17549435e-38;

/** The first byte the JavaScript allocator may hand out (after static data, 16-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** Bytes of scratch gemm needs for a product with inner dimension k and n columns. */
export function gemmScratchBytes(n: i32, k: i32): i32 {
  const kc = min(KC, k);
  return ((n + NR - 1) / NR) * kc * NR * 4 + 2 * 16;
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
  let p0 = 0;
  do {
    const kc = min(KC, k - p0);
    const blockBeta: f32 = p0 === 0 ? beta : 1;
    packB(transB, n, k, b, p0, kc, j0, j1, scratch);
    const aBlock = a + <usize>p0 * csA;
    for (let q = 0; q < panels; q++) {
      const jq = j0 + q * NR;
      const w = min(NR, j1 - jq);
      const panel = scratch + ((<usize>q * <usize>kc * NR) << 2);
      let i = i0;
      for (; i + 4 <= i1; i += 4) {
        const cTile = c + <usize>i * ldc + ((<usize>jq) << 2);
        kernel4x8(kc, aBlock + <usize>i * rsA, rsA, csA, panel, cTile, ldc, w, alpha, blockBeta, tmp);
      }
      for (; i < i1; i++) {
        const cRow = c + <usize>i * ldc + ((<usize>jq) << 2);
        kernel1x8(kc, aBlock + <usize>i * rsA, csA, panel, cRow, w, alpha, blockBeta, tmp);
      }
    }
    p0 += KC;
  } while (p0 < k);
}

/**
 * Dense-layer forward epilogue: out[i, j] = h(x[i, j] + v[j]), h = identity (act 0: the bias
 * broadcast of addRowVector) or ReLU max(x, 0) (act 1); v = 0 means no bias. out may be x.
 */
export function biasActivationF32(m: i32, n: i32, x: usize, v: usize, act: i32, out: usize): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const row = (<usize>i * <usize>n) << 2;
    const xs = x + row;
    const os = out + row;
    let j = 0;
    for (; j < n4; j += 4) {
      const at = (<usize>j) << 2;
      let value = v128.load(xs + at);
      if (v !== 0) value = f32x4.add(value, v128.load(v + at));
      if (act === 1) value = f32x4.max(value, zero);
      v128.store(os + at, value);
    }
    for (; j < n; j++) {
      const at = (<usize>j) << 2;
      let value = load<f32>(xs + at);
      if (v !== 0) value = value + load<f32>(v + at);
      if (act === 1) value = max<f32>(value, 0);
      store<f32>(os + at, value);
    }
  }
}

/**
 * Bias gradient, a sum over axis 0 (the batch): out[j] = β·out[j] + Σ_i x[i, j], accumulated in
 * float64 in row order and rounded once (so it equals the JS backend bit for bit). β = 0: out is not read.
 */
export function sumRowsF32(m: i32, n: i32, x: usize, beta: f64, out: usize): void {
  const n4 = n & ~3;
  const ld = (<usize>n) << 2;
  let j = 0;
  for (; j < n4; j += 4) {
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    let px = x + ((<usize>j) << 2);
    for (let i = 0; i < m; i++) {
      const value = v128.load(px);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(value));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(f32x4.shuffle(value, value, 2, 3, 0, 1)));
      px += ld;
    }
    const at = out + ((<usize>j) << 2);
    if (beta !== 0) {
      const old = v128.load(at);
      const vb = f64x2.splat(beta);
      lo = f64x2.add(f64x2.mul(vb, f64x2.promote_low_f32x4(old)), lo);
      hi = f64x2.add(f64x2.mul(vb, f64x2.promote_low_f32x4(f32x4.shuffle(old, old, 2, 3, 0, 1))), hi);
    }
    v128.store(at, f32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
  }
  for (; j < n; j++) {
    let sum: f64 = 0;
    for (let i = 0; i < m; i++) sum += <f64>load<f32>(x + ((<usize>i * <usize>n + <usize>j) << 2));
    const at = out + ((<usize>j) << 2);
    if (beta !== 0) sum = beta * <f64>load<f32>(at) + sum;
    store<f32>(at, <f32>sum);
  }
}

/**
 * ReLU backward, δ^(l-1) = h′(a^(l-1)) ⊙ g with h′(a) = 1 for a > 0 and 0 otherwise:
 * out[i] = a[i] > 0 ? g[i] : 0 (a may be the pre- or post-activation: relu(a) > 0 ⇔ a > 0).
 */
export function reluBackwardF32(length: i32, a: usize, g: usize, out: usize): void {
  const zero = f32x4.splat(0);
  const n4 = length & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(out + at, v128.and(v128.load(g + at), f32x4.gt(v128.load(a + at), zero)));
  }
  for (; i < length; i++) {
    const at = (<usize>i) << 2;
    store<f32>(out + at, load<f32>(a + at) > 0 ? load<f32>(g + at) : 0);
  }
}

/**
 * Softmax cross-entropy over the rows of m×n logits x with integer labels t (i32, already checked):
 * E = scale·Σ_i (log Σ_j e^{x_ij − max_i} − (x_{i,t_i} − max_i)), i.e. −Σ_i log softmax(x_i)[t_i];
 * if grad ≠ 0 also ∂E/∂x_ij = scale·(softmax(x_i)_j − [j = t_i]). Computed in float64 per row.
 */
export function softmaxCrossEntropyF32(
  m: i32,
  n: i32,
  x: usize,
  labels: usize,
  grad: usize,
  scale: f64,
): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < m; i++) {
    const row = x + ((<usize>i * <usize>n) << 2);
    let top: f64 = -Infinity;
    for (let j = 0; j < n; j++) top = max(top, <f64>load<f32>(row + ((<usize>j) << 2)));
    let total: f64 = 0;
    for (let j = 0; j < n; j++) total += Math.exp(<f64>load<f32>(row + ((<usize>j) << 2)) - top);
    const label = load<i32>(labels + ((<usize>i) << 2));
    const logTotal = Math.log(total);
    loss += logTotal - (<f64>load<f32>(row + ((<usize>label) << 2)) - top);
    if (grad !== 0) {
      const out = grad + ((<usize>i * <usize>n) << 2);
      for (let j = 0; j < n; j++) {
        const p = Math.exp(<f64>load<f32>(row + ((<usize>j) << 2)) - top - logTotal);
        store<f32>(out + ((<usize>j) << 2), <f32>(scale * (j === label ? p - 1 : p)));
      }
    }
  }
  return scale * loss;
}

/** v with every lane of magnitude below the smallest normal float32 (2^-126) set to +0. */
function flushSubnormal(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), f32x4.splat(MIN_NORMAL_F32)));
}

/**
 * SGD with momentum, PyTorch's form: g ← g + λ·w; v ← μ·v + g; w ← w − η·(nesterov ? g + μ·v : v).
 * μ = 0 (no velocity buffer: vel = 0) is plain gradient descent w ← w − η·g.
 */
export function sgdF32(
  length: i32,
  w: usize,
  g: usize,
  vel: usize,
  lr: f32,
  momentum: f32,
  weightDecay: f32,
  nesterov: bool,
): void {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(momentum);
  const vwd = f32x4.splat(weightDecay);
  const n4 = length & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const at = (<usize>i) << 2;
    const wv = v128.load(w + at);
    let gv = v128.load(g + at);
    if (weightDecay !== 0) gv = f32x4.add(gv, f32x4.mul(vwd, wv));
    let step = gv;
    if (vel !== 0) {
      const vv = f32x4.add(f32x4.mul(vmu, v128.load(vel + at)), gv);
      v128.store(vel + at, vv);
      step = nesterov ? f32x4.add(gv, f32x4.mul(vmu, vv)) : vv;
    }
    v128.store(w + at, f32x4.sub(wv, f32x4.mul(vlr, step)));
  }
  for (; i < length; i++) {
    const at = (<usize>i) << 2;
    const wv = load<f32>(w + at);
    let gv = load<f32>(g + at);
    if (weightDecay !== 0) gv = gv + weightDecay * wv;
    let step = gv;
    if (vel !== 0) {
      const vv = momentum * load<f32>(vel + at) + gv;
      store<f32>(vel + at, vv);
      step = nesterov ? gv + momentum * vv : vv;
    }
    store<f32>(w + at, wv - lr * step);
  }
}

/**
 * Adam (decoupled = false, L2: g ← g + λ·w) and AdamW (decoupled = true: w ← w − η·λ·w first):
 * m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  m, v below 2^-126 in magnitude flushed to 0;
 * w ← w − stepSize·m / (√v·invSqrtBc2 + ε), with stepSize = η/(1 − β1^t), invSqrtBc2 = 1/√(1 − β2^t).
 * 1 − β1 and 1 − β2 come in computed in float64 and rounded once (1 − f32(0.999) is off by 1.3e-5).
 * Flushing matters: the first moments of exact-zero ReLU gradients decay geometrically into
 * subnormals, which the CPU computes on a slow path.
 */
export function adamF32(
  length: i32,
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  eps: f32,
  weightDecay: f32,
  decayFactor: f32,
  stepSize: f32,
  invSqrtBc2: f32,
): void {
  const vb1 = f32x4.splat(beta1);
  const vb2 = f32x4.splat(beta2);
  const v1b1 = f32x4.splat(oneMinusBeta1);
  const v1b2 = f32x4.splat(oneMinusBeta2);
  const veps = f32x4.splat(eps);
  const vwd = f32x4.splat(weightDecay);
  const vdecay = f32x4.splat(decayFactor);
  const vstep = f32x4.splat(stepSize);
  const vbc2 = f32x4.splat(invSqrtBc2);
  const n4 = length & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const at = (<usize>i) << 2;
    let wv = v128.load(w + at);
    let gv = v128.load(g + at);
    if (weightDecay !== 0) gv = f32x4.add(gv, f32x4.mul(vwd, wv));
    if (decayFactor !== 1) wv = f32x4.mul(wv, vdecay);
    const mv = flushSubnormal(f32x4.add(f32x4.mul(vb1, v128.load(m + at)), f32x4.mul(v1b1, gv)));
    const vv = flushSubnormal(
      f32x4.add(f32x4.mul(vb2, v128.load(v + at)), f32x4.mul(v1b2, f32x4.mul(gv, gv))),
    );
    v128.store(m + at, mv);
    v128.store(v + at, vv);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vbc2), veps);
    v128.store(w + at, f32x4.sub(wv, f32x4.div(f32x4.mul(vstep, mv), denom)));
  }
  for (; i < length; i++) {
    const at = (<usize>i) << 2;
    let wv = load<f32>(w + at);
    let gv = load<f32>(g + at);
    if (weightDecay !== 0) gv = gv + weightDecay * wv;
    if (decayFactor !== 1) wv = wv * decayFactor;
    let mv = beta1 * load<f32>(m + at) + oneMinusBeta1 * gv;
    let vv = beta2 * load<f32>(v + at) + oneMinusBeta2 * (gv * gv);
    if (abs(mv) < MIN_NORMAL_F32) mv = 0;
    if (abs(vv) < MIN_NORMAL_F32) vv = 0;
    store<f32>(m + at, mv);
    store<f32>(v + at, vv);
    store<f32>(w + at, wv - (stepSize * mv) / (sqrt(vv) * invSqrtBc2 + eps));
  }
}

/** What a job descriptor asks for (its slot 0); see runChunk. */
const JOB_GEMM: i32 = 0;
const JOB_BIAS_ACTIVATION: i32 = 1;
const JOB_RELU_BACKWARD: i32 = 2;
const JOB_SGD: i32 = 3;
const JOB_ADAM: i32 = 4;

/** Slot i of a job descriptor (an array of f64 in linear memory). */
function slot(job: usize, i: i32): f64 {
  return load<f64>(job + ((<usize>i) << 3));
}

/** A pointer slot of a job, advanced by `bytes` (a null pointer stays null). */
function pointerSlot(job: usize, i: i32, bytes: usize): usize {
  const pointer = <usize>slot(job, i);
  return pointer === 0 ? 0 : pointer + bytes;
}

/**
 * Runs chunk `chunk` of the job at `job`: slot 0 the kind, then the kernel's arguments, then the
 * chunk size. The chunks of a job are disjoint parts of its output, so threads can run them in any
 * order and each output element is computed exactly as by the whole-range kernel:
 * - gemm [kind, transA, transB, m, n, k, α, a, b, β, c, rowStep, colStep]: chunk (r, q) of the grid
 *   of rowStep × colStep blocks of C, numbered row-major (colStep a multiple of 8);
 * - biasActivation [kind, m, n, x, v, act, out, step]: rows [s, s + step) of x, or columns when m = 1;
 * - reluBackward [kind, length, a, g, out, step], sgd [kind, length, w, g, vel, lr, momentum,
 *   weightDecay, nesterov, step], adam [kind, length, w, g, m, v, β1, β2, 1 − β1, 1 − β2, ε,
 *   weightDecay, decayFactor, stepSize, invSqrtBc2, step]: elements [s, s + step), s a multiple of 4.
 */
export function runChunk(job: usize, chunk: i32, scratch: usize): void {
  const kind = <i32>slot(job, 0);
  if (kind === JOB_GEMM) {
    const m = <i32>slot(job, 3);
    const n = <i32>slot(job, 4);
    const rowStep = <i32>slot(job, 11);
    const colStep = <i32>slot(job, 12);
    const colChunks = (n + colStep - 1) / colStep;
    const i0 = (chunk / colChunks) * rowStep;
    const j0 = (chunk % colChunks) * colStep;
    gemmF32(
      slot(job, 1) !== 0,
      slot(job, 2) !== 0,
      m,
      n,
      <i32>slot(job, 5),
      <f32>slot(job, 6),
      <usize>slot(job, 7),
      <usize>slot(job, 8),
      <f32>slot(job, 9),
      <usize>slot(job, 10),
      i0,
      min(m, i0 + rowStep),
      j0,
      min(n, j0 + colStep),
      scratch,
    );
    return;
  }
  if (kind === JOB_BIAS_ACTIVATION) {
    const m = <i32>slot(job, 1);
    const n = <i32>slot(job, 2);
    const step = <i32>slot(job, 7);
    const s = chunk * step;
    const act = <i32>slot(job, 5);
    if (m === 1) {
      const bytes = (<usize>s) << 2;
      const cols = min(step, n - s);
      biasActivationF32(
        1,
        cols,
        pointerSlot(job, 3, bytes),
        pointerSlot(job, 4, bytes),
        act,
        pointerSlot(job, 6, bytes),
      );
    } else {
      const bytes = (<usize>s * <usize>n) << 2;
      const rows = min(step, m - s);
      biasActivationF32(
        rows,
        n,
        pointerSlot(job, 3, bytes),
        pointerSlot(job, 4, 0),
        act,
        pointerSlot(job, 6, bytes),
      );
    }
    return;
  }
  const length = <i32>slot(job, 1);
  if (kind === JOB_RELU_BACKWARD) {
    const step = <i32>slot(job, 5);
    const s = chunk * step;
    const bytes = (<usize>s) << 2;
    reluBackwardF32(
      min(step, length - s),
      pointerSlot(job, 2, bytes),
      pointerSlot(job, 3, bytes),
      pointerSlot(job, 4, bytes),
    );
    return;
  }
  if (kind === JOB_SGD) {
    const step = <i32>slot(job, 9);
    const s = chunk * step;
    const bytes = (<usize>s) << 2;
    sgdF32(
      min(step, length - s),
      pointerSlot(job, 2, bytes),
      pointerSlot(job, 3, bytes),
      pointerSlot(job, 4, bytes),
      <f32>slot(job, 5),
      <f32>slot(job, 6),
      <f32>slot(job, 7),
      slot(job, 8) !== 0,
    );
    return;
  }
  if (kind === JOB_ADAM) {
    const step = <i32>slot(job, 15);
    const s = chunk * step;
    const bytes = (<usize>s) << 2;
    adamF32(
      min(step, length - s),
      pointerSlot(job, 2, bytes),
      pointerSlot(job, 3, bytes),
      pointerSlot(job, 4, bytes),
      pointerSlot(job, 5, bytes),
      <f32>slot(job, 6),
      <f32>slot(job, 7),
      <f32>slot(job, 8),
      <f32>slot(job, 9),
      <f32>slot(job, 10),
      <f32>slot(job, 11),
      <f32>slot(job, 12),
      <f32>slot(job, 13),
      <f32>slot(job, 14),
    );
  }
}
