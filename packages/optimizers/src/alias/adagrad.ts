import type { GradientTransformation } from "../transform.js";
import { type ScaleByAdagradOptions, scaleByAdagrad } from "../transforms/scale-by-adagrad.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface AdagradOptions extends CommonOptions, ScaleByAdagradOptions {}

/**
 * Adagrad (torch.optim.Adagrad): g ← g + λ·θ;  η̃ = η / (1 + (t − 1)·lrDecay);
 * s_t = s_{t−1} + g² (s_0 = initialAccumulatorValue);  θ ← θ − η̃·g / (√s_t + ε).
 * Defaults: η = 0.01, ε = 1e-10.
 */
export function adagrad(options: AdagradOptions = {}): GradientTransformation {
  const op = "adagrad";
  return optimizer(op, options, [...COMMON_OPTIONS, "lrDecay", "initialAccumulatorValue", "eps"], () => [
    maximizePart(op, options.maximize),
    weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask),
    scaleByAdagrad(options),
    scaleByLearningRate(options.lr ?? 0.01),
  ]);
}
