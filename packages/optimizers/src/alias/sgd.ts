import { HyperparameterError } from "../errors.js";
import type { GradientTransformation } from "../transform.js";
import { scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { trace } from "../transforms/trace.js";
import { checkBoolean, checkUnitInterval } from "../validate.js";
import { COMMON_OPTIONS, type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

export interface SgdOptions extends CommonOptions {
  lr: CommonOptions["lr"] & {};
  /** μ; 0 by default (plain SGD). */
  momentum?: number;
  /** τ; 0 by default. */
  dampening?: number;
  nesterov?: boolean;
}

/**
 * SGD as PyTorch implements it (torch.optim.SGD):
 * g ← −g (maximize);  g ← g + λ·θ (weight decay);
 * b_1 = g, b_t = μ·b_{t−1} + (1 − τ)·g;  g ← g + μ·b_t (Nesterov) or g ← b_t;  θ ← θ − η·g.
 * Plain SGD is the notes' W ← W − η ∇E.
 */
export function sgd(options: SgdOptions): GradientTransformation {
  const op = "sgd";
  return optimizer(op, options, [...COMMON_OPTIONS, "momentum", "dampening", "nesterov"], () => {
    const momentum = checkUnitInterval(op, "momentum", options.momentum ?? 0);
    const dampening = checkUnitInterval(op, "dampening", options.dampening ?? 0, true);
    const nesterov = checkBoolean(op, "nesterov", options.nesterov ?? false);
    if (nesterov && (momentum === 0 || dampening !== 0)) {
      throw new HyperparameterError(
        `${op}: nesterov needs momentum > 0 and dampening 0, got momentum ${momentum} and dampening ${dampening}`,
      );
    }
    return [
      maximizePart(op, options.maximize),
      weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask),
      momentum > 0 && trace({ momentum, dampening, nesterov }),
      scaleByLearningRate(options.lr),
    ];
  });
}
