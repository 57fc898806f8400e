import type { GradientTransformation } from "../transform.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { type ScaleByLionOptions, scaleByLion } from "../transforms/scale-by-lion.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface LionOptions extends CommonOptions, ScaleByLionOptions {}

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), decoupled weight decay:
 * u = sign(β1·m + (1 − β1)·g);  θ ← θ − η·(u + λ·θ);  m ← β2·m + (1 − β2)·g.
 * Defaults: η = 1e-4, (β1, β2) = (0.9, 0.99).
 */
export function lion(options: LionOptions = {}): GradientTransformation {
  const op = "lion";
  return optimizer(op, options, [...COMMON_OPTIONS, "betas"], () => [
    maximizePart(op, options.maximize),
    scaleByLion(options),
    weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask),
    scaleByLearningRate(options.lr ?? 1e-4),
  ]);
}
