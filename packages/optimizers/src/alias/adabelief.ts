import { lazy } from "@backprop/tensor";
import { type ParamTensors, zerosLikeParams } from "../params.js";
import { checkState } from "../state-shape.js";
import type { GradientTransformation } from "../transform.js";
import { emaOfSquare, updateEma } from "../transforms/moving-average.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { checkBetas, checkBoolean, checkNonNegative } from "../validate.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface ScaleByBeliefOptions {
  /** (β1, β2); (0.9, 0.999) by default. */
  betas?: readonly [number, number];
  /** ε, added to s_t and to the denominator; 1e-16 by default (adabelief-pytorch ≥ 0.1). */
  eps?: number;
  /** Divide by max_{τ≤t} s_τ instead of s_t. */
  amsgrad?: boolean;
}

export interface ScaleByBeliefState {
  count: number;
  /** m: the gradient's moving average (the "prediction"). */
  mu: ParamTensors;
  /** s: the moving average of (g − m)², the belief in the gradient, plus ε. */
  nu: ParamTensors;
  /** max_{τ≤t} s_τ (AMSGrad), or null. */
  nuMax: ParamTensors | null;
}

/**
 * AdaBelief's scaling (Zhuang et al. 2020, Algorithm 2): Adam with the variance of the gradient around
 * its prediction m in place of its raw second moment:
 * m_t = β1·m_{t−1} + (1 − β1)·g,  s_t = β2·s_{t−1} + (1 − β2)·(g − m_t)² + ε  (AMSGrad: ŝ = max(ŝ, s_t)),
 * u = (m_t / (√s_t / √(1 − β2^t) + ε)) / (1 − β1^t).
 */
export function scaleByBelief(
  options: ScaleByBeliefOptions = {},
): GradientTransformation<ScaleByBeliefState> {
  const op = "scaleByBelief";
  const [b1, b2] = checkBetas(op, options.betas ?? [0.9, 0.999]);
  const eps = checkNonNegative(op, "eps", options.eps ?? 1e-16);
  const amsgrad = checkBoolean(op, "amsgrad", options.amsgrad ?? false);
  return {
    init: (params) => ({
      count: 0,
      mu: zerosLikeParams(params),
      nu: zerosLikeParams(params),
      nuMax: amsgrad ? zerosLikeParams(params) : null,
    }),
    update(updates, state, _params, context) {
      const s = checkState<ScaleByBeliefState>(op, state, ["count", "mu", "nu", "nuMax"]);
      s.count += 1;
      const bc1 = 1 - b1 ** s.count;
      const bc2Sqrt = Math.sqrt(1 - b2 ** s.count);
      return updates.map((g, i) => {
        const [mu, nu] = [s.mu.tensors[i]!, s.nu.tensors[i]!];
        const m = updateEma(context, i, mu, g, b1);
        const belief = context.assign(i, nu, emaOfSquare(lazy(nu), g.sub(m), b2).add(eps));
        const nuMax = s.nuMax?.tensors[i];
        const sHat = nuMax === undefined ? belief : context.assign(i, nuMax, lazy(nuMax).max(belief));
        return m.div(sHat.sqrt().div(bc2Sqrt).add(eps)).div(bc1);
      });
    },
  };
}

export interface AdaBeliefOptions extends CommonOptions, ScaleByBeliefOptions {
  /**
   * Decay θ ← θ − η·λ·θ (AdamW-style; true by default, as adabelief-pytorch's `weight_decouple`)
   * instead of adding λ·θ to the gradient (L2).
   */
  decoupledWeightDecay?: boolean;
}

/**
 * AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed
 * Gradients"), as adabelief-pytorch without rectification: g ← g + λ·θ (L2) or θ ← θ − η·λ·θ (decoupled);
 * m_t = β1·m + (1 − β1)·g;  s_t = β2·s + (1 − β2)·(g − m_t)² + ε;
 * θ ← θ − η·(m_t / (√s_t / √(1 − β2^t) + ε)) / (1 − β1^t).  Defaults: η = 1e-3, ε = 1e-16.
 * Written once, as expressions: on every backend one fused pass per parameter, like Adam.
 */
export function adabelief(options: AdaBeliefOptions = {}): GradientTransformation {
  const op = "adabelief";
  const accepted = [...COMMON_OPTIONS, "betas", "eps", "amsgrad", "decoupledWeightDecay"];
  return optimizer(op, options, accepted, () => {
    const decoupled = checkBoolean(op, "decoupledWeightDecay", options.decoupledWeightDecay ?? true);
    const decay = weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask);
    return [
      maximizePart(op, options.maximize),
      !decoupled && decay,
      scaleByBelief(options),
      decoupled && decay,
      scaleByLearningRate(options.lr ?? 1e-3),
    ];
  });
}
