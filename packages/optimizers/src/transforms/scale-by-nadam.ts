import { type ParamTensors, zerosLikeParams } from "../params.js";
import { checkState } from "../state-shape.js";
import type { GradientTransformation } from "../transform.js";
import { checkBetas, checkNonNegative } from "../validate.js";
import { emaOfSquare, updateEma } from "./moving-average.js";

/** Options of `scaleByNadam`: (β1, β2), ε and the momentum decay ψ. */
export interface ScaleByNadamOptions {
  betas?: readonly [number, number];
  eps?: number;
  /** ψ; 4e-3 by default. */
  momentumDecay?: number;
}

/** State of `scaleByNadam`: the step count, Π μ_i and the moment estimates m and v, per parameter. */
export interface ScaleByNadamState {
  count: number;
  /** Π_{i≤t} μ_i */
  muProduct: number;
  mu: ParamTensors;
  nu: ParamTensors;
}

/**
 * NAdam's scaling, PyTorch 2.x (Dozat 2016 with momentum decay ψ):
 * μ_t = β1·(1 − ½·0.96^(t·ψ)),  μ_{t+1} = β1·(1 − ½·0.96^((t+1)·ψ)),
 * m_t = β1·m_{t−1} + (1 − β1)·g,  v_t = β2·v_{t−1} + (1 − β2)·g²,  d = √(v_t / (1 − β2^t)) + ε,
 * u = (1 − μ_t)/(1 − Π_{i≤t} μ_i) · g/d + μ_{t+1}/(1 − Π_{i≤t+1} μ_i) · m_t/d
 * (v_t / (1 − β2^t) is a multiplication by the scalar's reciprocal).
 */
export function scaleByNadam(options: ScaleByNadamOptions = {}): GradientTransformation<ScaleByNadamState> {
  const op = "scaleByNadam";
  const [b1, b2] = checkBetas(op, options.betas ?? [0.9, 0.999]);
  const eps = checkNonNegative(op, "eps", options.eps ?? 1e-8);
  const psi = checkNonNegative(op, "momentumDecay", options.momentumDecay ?? 4e-3);
  return {
    init: (params) => ({ count: 0, muProduct: 1, mu: zerosLikeParams(params), nu: zerosLikeParams(params) }),
    update(updates, state, _params, context) {
      const s = checkState<ScaleByNadamState>(op, state, ["count", "muProduct", "mu", "nu"]);
      s.count += 1;
      const t = s.count;
      const inverseBc2 = 1 / (1 - b2 ** t);
      const muT = b1 * (1 - 0.5 * 0.96 ** (t * psi));
      const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
      s.muProduct *= muT;
      const cGrad = (1 - muT) / (1 - s.muProduct);
      const cMomentum = muNext / (1 - s.muProduct * muNext);
      return updates.map((g, i) => {
        const [mu, nu] = [s.mu.tensors[i]!, s.nu.tensors[i]!];
        const m = updateEma(context, i, mu, g, b1);
        const v = updateEma(context, i, nu, g, b2, emaOfSquare);
        const d = v.mul(inverseBc2).sqrt().add(eps);
        return g.div(d).mul(cGrad).add(m.div(d).mul(cMomentum));
      });
    },
  };
}
