import { type ParamArrays, zerosLikeParams } from "../params.js";
import type { GradientTransformation } from "../transform.js";
import { checkBetas, checkBoolean, checkNonNegative } from "../validate.js";

/** Options of `scaleByAdam`: (β1, β2), ε and AMSGrad. */
export interface ScaleByAdamOptions {
  betas?: readonly [number, number];
  eps?: number;
  amsgrad?: boolean;
}

/** State of `scaleByAdam`: the step count and the moment estimates m and v (and max v for AMSGrad), per parameter. */
export interface ScaleByAdamState {
  count: number;
  /** m: first-moment estimate. */
  mu: ParamArrays;
  /** v: second-moment estimate. */
  nu: ParamArrays;
  /** max_{τ≤t} v_τ (AMSGrad), or null. */
  nuMax: ParamArrays | null;
}

/** The options with PyTorch's defaults filled in (β = (0.9, 0.999), ε = 1e-8), validated. */
export function resolveScaleByAdam(options: ScaleByAdamOptions): Required<ScaleByAdamOptions> {
  const op = "scaleByAdam";
  return {
    betas: checkBetas(op, options.betas ?? [0.9, 0.999]),
    eps: checkNonNegative(op, "eps", options.eps ?? 1e-8),
    amsgrad: checkBoolean(op, "amsgrad", options.amsgrad ?? false),
  };
}

/**
 * Adam's scaling (Kingma & Ba; PyTorch's algorithm box):
 * m_t = β1·m_{t−1} + (1 − β1)·g_t,  v_t = β2·v_{t−1} + (1 − β2)·g_t²,
 * v̂ = v_t, or v̂ = max(v̂_{t−1}, v_t) with AMSGrad,
 * u = (m_t / (1 − β1^t)) / (√v̂ / √(1 − β2^t) + ε).
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const { betas, eps, amsgrad } = resolveScaleByAdam(options);
  const [b1, b2] = betas;
  return {
    init: (params) => ({
      count: 0,
      mu: zerosLikeParams(params),
      nu: zerosLikeParams(params),
      nuMax: amsgrad ? zerosLikeParams(params) : null,
    }),
    update(updates, state) {
      state.count += 1;
      const bc1 = 1 - b1 ** state.count;
      const bc2Sqrt = Math.sqrt(1 - b2 ** state.count);
      for (let i = 0; i < updates.arrays.length; i++) {
        const u = updates.arrays[i]!;
        const m = state.mu.arrays[i]!;
        const v = state.nu.arrays[i]!;
        const vMax = state.nuMax === null ? null : state.nuMax.arrays[i]!;
        for (let j = 0; j < u.length; j++) {
          const g = u[j]!;
          m[j] = m[j]! * b1 + (1 - b1) * g;
          v[j] = v[j]! * b2 + (1 - b2) * g * g;
          let vHat = v[j]!;
          if (vMax !== null) {
            vMax[j] = Math.max(vMax[j]!, vHat);
            vHat = vMax[j]!;
          }
          u[j] = m[j]! / (Math.sqrt(vHat) / bc2Sqrt + eps) / bc1;
        }
      }
      return updates;
    },
  };
}
