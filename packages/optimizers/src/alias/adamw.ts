import type { GradientTransformation } from "../transform.js";
import { scaleByAdam } from "../transforms/scale-by-adam.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { type AdamOptions, fusedAdam } from "./adam.js";
import { maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

/**
 * AdamW (torch.optim.AdamW; Loshchilov & Hutter), decoupled weight decay:
 * θ ← θ − η·λ·θ − η·(m_t / (1 − β1^t)) / (√v̂ / √(1 − β2^t) + ε), with m, v, v̂ as in Adam.
 * = chain(scaleByAdam, addDecayedWeights(λ), scaleByLearningRate(η)).  Defaults: η = 1e-3, λ = 0.01.
 * Without maximize, AMSGrad or a weight-decay mask it also has a fused form (`FusedOps.adamStep`,
 * decoupled), which the `Optimizer` facade runs on backends with native kernels.
 */
export function adamw(options: AdamOptions = {}): GradientTransformation {
  const op = "adamw";
  return optimizer(op, options, () => {
    const maximize = maximizePart(op, options.maximize);
    const scaling = scaleByAdam(options);
    const weightDecay = options.weightDecay ?? 0.01;
    const lr = options.lr ?? 1e-3;
    return {
      parts: [
        maximize,
        scaling,
        weightDecayPart(op, weightDecay, options.weightDecayMask),
        scaleByLearningRate(lr),
      ],
      fused: fusedAdam(options, { maximize, scaling, lr, weightDecay, decoupled: true }),
    };
  });
}
