import { constant, type Expr, lazy } from "@backprop/tensor";
import { type ParamTensors, zerosLikeParams } from "../params.js";
import { checkState } from "../state-shape.js";
import type { GradientTransformation } from "../transform.js";
import { checkBetas, checkBoolean, checkNonNegative } from "../validate.js";
import { emaOfSquare, updateEma } from "./moving-average.js";

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
  mu: ParamTensors;
  /** v: second-moment estimate. */
  nu: ParamTensors;
  /** max_{τ≤t} v_τ (AMSGrad), or null. */
  nuMax: ParamTensors | null;
}

/**
 * What sets a member of Adam's family apart: its second moment v_t from v_{t−1}, the gradient g and the
 * new first moment m_t (Adam: β2·v + (1 − β2)·g²; AdaBelief: β2·s + (1 − β2)·(g − m_t)² + ε). `eps` is
 * the denominator's ε as one shared expression (one scalar slot however often it is used).
 */
export type SecondMoment = (previous: Expr, g: Expr, m: Expr, beta2: number, eps: Expr) => Expr;

/**
 * An Adam-family scaling named `op`: m_t = β1·m_{t−1} + (1 − β1)·g, v_t = secondMoment(…),
 * v̂ = v_t or, with AMSGrad, max(v̂_{t−1}, v_t), u = (m_t / (√v̂ / √(1 − β2^t) + ε)) / (1 − β1^t).
 * The two divisions by a step's scalar are multiplications by its reciprocal (a SIMD division costs
 * several multiplications); only m_t / (…) divides element by element.
 * Options default to β = (0.9, 0.999), ε = `defaultEps`, no AMSGrad.
 */
export function adamFamily(
  op: string,
  options: ScaleByAdamOptions,
  defaultEps: number,
  secondMoment: SecondMoment,
): GradientTransformation<ScaleByAdamState> {
  const [b1, b2] = checkBetas(op, options.betas ?? [0.9, 0.999]);
  const eps = checkNonNegative(op, "eps", options.eps ?? defaultEps);
  const amsgrad = checkBoolean(op, "amsgrad", options.amsgrad ?? false);
  return {
    init: (params) => ({
      count: 0,
      mu: zerosLikeParams(params),
      nu: zerosLikeParams(params),
      nuMax: amsgrad ? zerosLikeParams(params) : null,
    }),
    update(updates, state, _params, context) {
      const s = checkState<ScaleByAdamState>(op, state, ["count", "mu", "nu", "nuMax"]);
      s.count += 1;
      const inverseBc1 = 1 / (1 - b1 ** s.count);
      const inverseBc2Sqrt = 1 / Math.sqrt(1 - b2 ** s.count);
      const epsilon = constant(eps);
      return updates.map((g, i) => {
        const [mu, nu] = [s.mu.tensors[i]!, s.nu.tensors[i]!];
        const m = updateEma(context, i, mu, g, b1);
        const v = context.assign(i, nu, secondMoment(lazy(nu), g, m, b2, epsilon));
        const nuMax = s.nuMax?.tensors[i];
        const vHat = nuMax === undefined ? v : context.assign(i, nuMax, lazy(nuMax).max(v));
        return m.div(vHat.sqrt().mul(inverseBc2Sqrt).add(epsilon)).mul(inverseBc1);
      });
    },
  };
}

/**
 * Adam's scaling (Kingma & Ba; PyTorch's algorithm box):
 * m_t = β1·m_{t−1} + (1 − β1)·g_t,  v_t = β2·v_{t−1} + (1 − β2)·g_t²,
 * v̂ = v_t, or v̂ = max(v̂_{t−1}, v_t) with AMSGrad,
 * u = (m_t / (√v̂ / √(1 − β2^t) + ε)) / (1 − β1^t).
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  return adamFamily("scaleByAdam", options, 1e-8, (v, g, _m, beta2) => emaOfSquare(v, g, beta2));
}
