import type { LearningRate } from "../schedules/schedule.js";
import type { GradientTransformation } from "../transform.js";
import { resolveScaleByAdam, type ScaleByAdamState, scaleByAdam } from "../transforms/scale-by-adam.js";
import { currentLr, scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import {
  type CommonOptions,
  maximizePart,
  type OptimizerParts,
  optimizer,
  weightDecayPart,
} from "./optimizer.js";

export interface AdamOptions extends CommonOptions {
  /** (β1, β2); (0.9, 0.999) by default. */
  betas?: readonly [number, number];
  /** 1e-8 by default. */
  eps?: number;
  amsgrad?: boolean;
}

/**
 * Adam (torch.optim.Adam), weight decay as L2:
 * g ← g + λ·θ;  m_t = β1·m + (1 − β1)·g;  v_t = β2·v + (1 − β2)·g²  (AMSGrad: v̂ = max(v̂, v_t));
 * θ ← θ − η·(m_t / (1 − β1^t)) / (√v̂ / √(1 − β2^t) + ε).  Defaults: η = 1e-3.
 * Without maximize, AMSGrad or a weight-decay mask it also has a fused form (`FusedOps.adamStep`),
 * which the `Optimizer` facade runs on backends with native kernels.
 */
export function adam(options: AdamOptions = {}): GradientTransformation {
  const op = "adam";
  return optimizer(op, options, () => {
    const maximize = maximizePart(op, options.maximize);
    const weightDecay = options.weightDecay ?? 0;
    const scaling = scaleByAdam(options);
    const lr = options.lr ?? 1e-3;
    return {
      parts: [
        maximize,
        weightDecayPart(op, weightDecay, options.weightDecayMask),
        scaling,
        scaleByLearningRate(lr),
      ],
      fused: fusedAdam(options, { maximize, scaling, lr, weightDecay, decoupled: false }),
    };
  });
}

/** What `fusedAdam` needs besides the options: the parts and the resolved hyperparameters. */
export interface FusedAdamParts {
  maximize: GradientTransformation | false;
  scaling: GradientTransformation<ScaleByAdamState>;
  lr: LearningRate;
  /** λ: Adam's L2 term g ← g + λ·θ, or AdamW's decoupled θ ← θ − η·λ·θ. */
  weightDecay: number;
  decoupled: boolean;
}

/**
 * Adam's or AdamW's fused form, `adamStep` per parameter, when maximize, AMSGrad and a weight-decay mask
 * are all off (false otherwise). m and v are `scaling`'s state, whose step count t advances as the
 * chain's would.
 */
export function fusedAdam(options: AdamOptions, parts: FusedAdamParts): OptimizerParts["fused"] {
  const { betas, eps, amsgrad } = resolveScaleByAdam(options);
  if (parts.maximize !== false || amsgrad || options.weightDecayMask !== undefined) return false;
  const [beta1, beta2] = betas;
  const { scaling, lr, weightDecay, decoupled } = parts;
  return (indexOf) => {
    const at = indexOf(scaling);
    const moments = (state: unknown[]) => state[at] as ScaleByAdamState;
    return {
      buffers: (state) => [moments(state).mu, moments(state).nu],
      step(state, parameters) {
        const s = moments(state);
        s.count += 1;
        const settings = { lr: currentLr(lr), step: s.count, beta1, beta2, eps, weightDecay, decoupled };
        for (const p of parameters) {
          p.backend.adamStep(p.length, p.value, p.grad, p.buffers[0]!, p.buffers[1]!, settings);
        }
      },
    };
  };
}
