import { HyperparameterError } from "../errors.js";
import type { FusedUpdate } from "../fused.js";
import type { LearningRate } from "../schedules/schedule.js";
import type { GradientTransformation } from "../transform.js";
import { currentLr, scaleByLearningRate } from "../transforms/scale-by-learning-rate.js";
import { type TraceState, trace } from "../transforms/trace.js";
import { checkBoolean, checkUnitInterval } from "../validate.js";
import { type CommonOptions, maximizePart, optimizer, weightDecayPart } from "./optimizer.js";

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
 *
 * Without maximize, dampening or a weight-decay mask it also has a fused form (`FusedOps.sgdStep`:
 * v ← μ·v + g + λ·θ, θ ← θ − η·v or θ − η·(g + λ·θ + μ·v)), which the `Optimizer` facade runs on
 * backends with native kernels.
 */
export function sgd(options: SgdOptions): GradientTransformation {
  const op = "sgd";
  return optimizer(op, options, () => {
    const momentum = checkUnitInterval(op, "momentum", options.momentum ?? 0);
    const dampening = checkUnitInterval(op, "dampening", options.dampening ?? 0, true);
    const nesterov = checkBoolean(op, "nesterov", options.nesterov ?? false);
    if (nesterov && (momentum === 0 || dampening !== 0)) {
      throw new HyperparameterError(
        `${op}: nesterov needs momentum > 0 and dampening 0, got momentum ${momentum} and dampening ${dampening}`,
      );
    }
    const maximize = maximizePart(op, options.maximize);
    const decay = weightDecayPart(op, options.weightDecay ?? 0, options.weightDecayMask);
    const velocity = momentum > 0 && trace({ momentum, dampening, nesterov });
    const lr = scaleByLearningRate(options.lr);
    const fusable = maximize === false && dampening === 0 && options.weightDecayMask === undefined;
    return {
      parts: [maximize, decay, velocity, lr],
      fused:
        fusable &&
        ((indexOf) =>
          fusedSgd(options.lr, momentum, options.weightDecay ?? 0, nesterov, velocity && indexOf(velocity))),
    };
  });
}

/**
 * SGD as `sgdStep` kernels; the velocity is the momentum part's trace (at `traceIndex` in the chain's
 * state; false without momentum), whose step count advances as the chain's would.
 */
function fusedSgd(
  lr: LearningRate,
  momentum: number,
  weightDecay: number,
  nesterov: boolean,
  traceIndex: number | false,
): FusedUpdate<unknown[]> {
  const traceOf = (state: unknown[]): TraceState | undefined =>
    traceIndex === false ? undefined : (state[traceIndex] as TraceState);
  return {
    buffers: (state) => {
      const velocity = traceOf(state);
      return velocity === undefined ? [] : [velocity.trace];
    },
    step(state, parameters) {
      const velocity = traceOf(state);
      if (velocity !== undefined) velocity.count += 1;
      const options = { lr: currentLr(lr), momentum, weightDecay, nesterov };
      for (const p of parameters) p.backend.sgdStep(p.length, p.value, p.grad, p.buffers[0] ?? null, options);
    },
  };
}
