import type { GradientTransformation } from "../transform.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { type ScaleByRmsOptions, scaleByRms } from "../transforms/scale-by-rms.js";
import { trace } from "../transforms/trace.js";
import { checkUnitInterval } from "../validate.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface RmspropOptions extends CommonOptions, ScaleByRmsOptions {
  /** μ; 0 by default. */
  momentum?: number;
}

/**
 * RMSprop (torch.optim.RMSprop): g ← g + λ·θ;  v_t = α·v + (1 − α)·g²;
 * centred: ḡ_t = α·ḡ + (1 − α)·g, ṽ = v_t − ḡ_t², else ṽ = v_t;
 * with momentum b_t = μ·b + g / (√ṽ + ε), θ ← θ − η·b_t; else θ ← θ − η·g / (√ṽ + ε).
 * Defaults: η = 0.01, α = 0.99, ε = 1e-8.
 */
export function rmsprop(options: RmspropOptions = {}): GradientTransformation {
  const op = "rmsprop";
  return optimizer(op, options, [...COMMON_OPTIONS, "alpha", "eps", "centered", "momentum"], () => {
    const momentum = checkUnitInterval(op, "momentum", options.momentum ?? 0);
    return [
      maximizePart(op, options.maximize),
      weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask),
      scaleByRms(options),
      momentum > 0 && trace({ momentum }),
      scaleByLearningRate(options.lr ?? 0.01),
    ];
  });
}
