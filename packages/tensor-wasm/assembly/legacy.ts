/** The smallest normal float32, 2^-126; magnitudes below it are subnormal and flushed to zero. */
const MIN_NORMAL_F32: f32 = 1.17549435e-38;

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
