import type { GradientTransformation } from "../transform.js";
import { type ScaleByAdamaxOptions, scaleByAdamax } from "../transforms/scale-by-adamax.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface AdamaxOptions extends CommonOptions, ScaleByAdamaxOptions {}

/**
 * Adamax (torch.optim.Adamax): g ← g + λ·θ;  m_t = β1·m + (1 − β1)·g;  u_t = max(β2·u, |g| + ε);
 * θ ← θ − η / (1 − β1^t) · m_t / u_t.  Defaults: η = 2e-3.
 */
export function adamax(options: AdamaxOptions = {}): GradientTransformation {
  const op = "adamax";
  return optimizer(op, options, [...COMMON_OPTIONS, "betas", "eps"], () => [
    maximizePart(op, options.maximize),
    weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask),
    scaleByAdamax(options),
    scaleByLearningRate(options.lr ?? 2e-3),
  ]);
}
