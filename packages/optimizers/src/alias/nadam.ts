import type { GradientTransformation } from "../transform.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { type ScaleByNadamOptions, scaleByNadam } from "../transforms/scale-by-nadam.js";
import { checkBoolean } from "../validate.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface NadamOptions extends CommonOptions, ScaleByNadamOptions {
  /** Decay θ ← θ − η·λ·θ (AdamW-style) instead of adding λ·θ to the gradient. */
  decoupledWeightDecay?: boolean;
}

/**
 * NAdam as PyTorch 2.x implements it (torch.optim.NAdam, ψ = momentumDecay = 4e-3):
 * μ_t = β1·(1 − ½·0.96^(tψ));  m_t = β1·m + (1 − β1)·g;  v_t = β2·v + (1 − β2)·g²;  d = √(v_t / (1 − β2^t)) + ε;
 * θ ← θ − η·(1 − μ_t)/(1 − Π_{i≤t} μ_i)·g/d − η·μ_{t+1}/(1 − Π_{i≤t+1} μ_i)·m_t/d.  Defaults: η = 2e-3.
 */
export function nadam(options: NadamOptions = {}): GradientTransformation {
  const op = "nadam";
  return optimizer(
    op,
    options,
    [...COMMON_OPTIONS, "betas", "eps", "momentumDecay", "decoupledWeightDecay"],
    () => {
      const decoupled = checkBoolean(op, "decoupledWeightDecay", options.decoupledWeightDecay ?? false);
      const decay = weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask);
      return [
        maximizePart(op, options.maximize),
        !decoupled && decay,
        scaleByNadam(options),
        decoupled && decay,
        scaleByLearningRate(options.lr ?? 2e-3),
      ];
    },
  );
}
