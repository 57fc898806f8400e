import type { GradientTransformation } from "../transform.js";
import { type ScaleByAdadeltaOptions, scaleByAdadelta } from "../transforms/scale-by-adadelta.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface AdadeltaOptions extends CommonOptions, ScaleByAdadeltaOptions {}

/**
 * Adadelta (torch.optim.Adadelta): g ← g + λ·θ;  v_t = ρ·v + (1 − ρ)·g²;
 * Δx = √(a + ε) / √(v_t + ε) · g;  a_t = ρ·a + (1 − ρ)·Δx²;  θ ← θ − η·Δx.  Defaults: η = 1, ρ = 0.9, ε = 1e-6.
 */
export function adadelta(options: AdadeltaOptions = {}): GradientTransformation {
  const op = "adadelta";
  return optimizer(op, options, [...COMMON_OPTIONS, "rho", "eps"], () => [
    maximizePart(op, options.maximize),
    weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask),
    scaleByAdadelta(options),
    scaleByLearningRate(options.lr ?? 1),
  ]);
}
