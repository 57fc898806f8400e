import type { GradientTransformation } from "../transform.js";
import { scaleByAdam } from "../transforms/scale-by-adam.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface AdamOptions extends CommonOptions {
  /** (β1, β2); (0.9, 0.999) by default. */
  betas?: readonly [number, number];
  /** 1e-8 by default. */
  eps?: number;
  amsgrad?: boolean;
}

/** The option keys `adam` and `adamw` accept. */
export const ADAM_OPTIONS = [...COMMON_OPTIONS, "betas", "eps", "amsgrad"] as const;

/**
 * Adam (torch.optim.Adam), weight decay as L2:
 * g ← g + λ·θ;  m_t = β1·m + (1 − β1)·g;  v_t = β2·v + (1 − β2)·g²  (AMSGrad: v̂ = max(v̂, v_t));
 * θ ← θ − η·(m_t / (√v̂ / √(1 − β2^t) + ε)) / (1 − β1^t).  Defaults: η = 1e-3.
 */
export function adam(options: AdamOptions = {}): GradientTransformation {
  const op = "adam";
  return optimizer(op, options, ADAM_OPTIONS, () => [
    maximizePart(op, options.maximize),
    weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask),
    scaleByAdam(options),
    scaleByLearningRate(options.lr ?? 1e-3),
  ]);
}
