import type { GradientTransformation } from "../transform.js";
import { emaOfSquare } from "../transforms/moving-average.js";
import { adamFamily, type ScaleByAdamOptions, type ScaleByAdamState } from "../transforms/scale-by-adam.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { checkBoolean } from "../validate.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface ScaleByBeliefOptions extends ScaleByAdamOptions {
  /** ε, added to s_t and to the denominator; 1e-16 by default (adabelief-pytorch ≥ 0.1). */
  eps?: number;
}

/** m (the gradient's prediction), s (the moving average of (g − m)², plus ε) and the AMSGrad maximum. */
export type ScaleByBeliefState = ScaleByAdamState;

/**
 * AdaBelief's scaling (Zhuang et al. 2020, Algorithm 2): Adam with the variance of the gradient around
 * its prediction m_t in place of its raw second moment:
 * m_t = β1·m_{t−1} + (1 − β1)·g,  s_t = β2·s_{t−1} + (1 − β2)·(g − m_t)² + ε  (AMSGrad: ŝ = max(ŝ, s_t)),
 * u = (m_t / (√ŝ / √(1 − β2^t) + ε)) / (1 − β1^t).
 */
export function scaleByBelief(
  options: ScaleByBeliefOptions = {},
): GradientTransformation<ScaleByBeliefState> {
  return adamFamily("scaleByBelief", options, 1e-16, (s, g, m, beta2, eps) =>
    emaOfSquare(s, g.sub(m), beta2).add(eps),
  );
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
