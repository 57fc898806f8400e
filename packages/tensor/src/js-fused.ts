import {
  checkLabels,
  type FusedOps,
  MIN_NORMAL_FLOAT32,
  MIN_NORMAL_FLOAT64,
  resolveAdam,
  resolveSgd,
} from "./fused.js";

/**
 * The fused kernels in plain TypeScript on `storage.data`, for float32 and float64: the reference the
 * WebAssembly kernels are tested against, what the WebAssembly backend runs for float64, and part
 * of the default `jsBackend`.
 */
export function createJsFusedOps(): FusedOps {
  return {
    biasActivation(m, n, x, bias, activation, out) {
      const xs = x.data;
      const bs = bias?.data;
      const os = out.data;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const a = bs === undefined ? xs[i * n + j]! : xs[i * n + j]! + bs[j]!;
          os[i * n + j] = activation === "relu" ? Math.max(a, 0) : a;
        }
      }
    },
    reluBackward(length, a, g, out) {
      const as = a.data;
      const gs = g.data;
      const os = out.data;
      for (let i = 0; i < length; i++) os[i] = as[i]! > 0 ? gs[i]! : 0;
    },
    softmaxCrossEntropy(m, n, logits, labels, grad, reduction) {
      checkLabels(labels, m, n);
      const xs = logits.data;
      const gs = grad?.data;
      const scale = reduction === "mean" ? 1 / m : 1;
      let loss = 0;
      for (let i = 0; i < m; i++) {
        const row = i * n;
        const t = labels[i]!;
        let top = -Infinity;
        for (let j = 0; j < n; j++) top = Math.max(top, xs[row + j]!);
        let total = 0;
        for (let j = 0; j < n; j++) total += Math.exp(xs[row + j]! - top);
        const logTotal = Math.log(total);
        loss += logTotal - (xs[row + t]! - top);
        if (gs !== undefined) {
          for (let j = 0; j < n; j++) {
            const p = Math.exp(xs[row + j]! - top - logTotal);
            gs[row + j] = scale * (j === t ? p - 1 : p);
          }
        }
      }
      return scale * loss;
    },
    sgdStep(length, param, grad, velocity, options) {
      const { lr, momentum, weightDecay, nesterov } = resolveSgd(options, velocity);
      const w = param.data;
      const g = grad.data;
      const vel = velocity?.data;
      for (let i = 0; i < length; i++) {
        const gi = g[i]! + weightDecay * w[i]!;
        let step = gi;
        if (vel !== undefined && momentum !== 0) {
          vel[i] = momentum * vel[i]! + gi;
          step = nesterov ? gi + momentum * vel[i]! : vel[i]!;
        }
        w[i] = w[i]! - lr * step;
      }
    },
    adamStep(length, param, grad, m, v, options) {
      const { lr, step, beta1, beta2, eps, weightDecay, decoupled } = resolveAdam(options);
      const w = param.data;
      const g = grad.data;
      const ms = m.data;
      const vs = v.data;
      const tiny = param.dtype === "float32" ? MIN_NORMAL_FLOAT32 : MIN_NORMAL_FLOAT64;
      const stepSize = lr / (1 - beta1 ** step);
      const sqrtBc2 = Math.sqrt(1 - beta2 ** step);
      for (let i = 0; i < length; i++) {
        const gi = decoupled ? g[i]! : g[i]! + weightDecay * w[i]!;
        if (decoupled) w[i] = w[i]! * (1 - lr * weightDecay);
        ms[i] = beta1 * ms[i]! + (1 - beta1) * gi;
        vs[i] = beta2 * vs[i]! + (1 - beta2) * gi * gi;
        if (Math.abs(ms[i]!) < tiny) ms[i] = 0;
        if (Math.abs(vs[i]!) < tiny) vs[i] = 0;
        w[i] = w[i]! - (stepSize * ms[i]!) / (Math.sqrt(vs[i]!) / sqrtBc2 + eps);
      }
    },
  };
}
