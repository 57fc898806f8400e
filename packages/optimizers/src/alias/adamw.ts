import type { GradientTransformation } from "../transform.js";
import { scaleByAdam } from "../transforms/scale-by-adam.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { ADAM_OPTIONS, type AdamOptions } from "./adam.js";
import { maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

/**
 * AdamW (torch.optim.AdamW; Loshchilov & Hutter), decoupled weight decay:
 * θ ← θ − η·λ·θ − η·(m_t / (√v̂ / √(1 − β2^t) + ε)) / (1 − β1^t), with m, v, v̂ as in Adam.
 * = chain(scaleByAdam, addDecayedWeights(λ), scaleByLearningRate(η)).  Defaults: η = 1e-3, λ = 0.01.
 */
export function adamw(options: AdamOptions = {}): GradientTransformation {
  const op = "adamw";
  return optimizer(op, options, ADAM_OPTIONS, () => [
    maximizePart(op, options.maximize),
    scaleByAdam(options),
    weightDecayPart(op, options.weightDecay ?? 0.01, options.weightDecayMask),
    scaleByLearningRate(options.lr ?? 1e-3),
  ]);
}
