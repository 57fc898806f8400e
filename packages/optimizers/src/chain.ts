import type { Expr } from "@backprop/tensor";
import type { ParamTensors } from "./params.js";
import { checkStateList } from "./state-shape.js";
import type { GradientTransformation, Spec, UpdateContext } from "./transform.js";

/** `chain` whose state errors name `op` (a built-in optimizer names itself). */
export function namedChain(
  op: string,
  transforms: readonly GradientTransformation[],
): GradientTransformation<unknown[]> {
  const list = transforms;
  const specs = list.map((t) => t.spec);
  const spec: Spec | undefined = specs.every((s): s is Spec => s !== undefined)
    ? { type: "chain", options: { transforms: specs.map((s) => ({ type: s.type, options: s.options })) } }
    : undefined;
  return {
    ...(spec === undefined ? {} : { spec }),
    init: (params: ParamTensors) => list.map((t) => t.init(params)),
    update(updates: readonly Expr[], state: unknown[], params: ParamTensors, context: UpdateContext) {
      const states = checkStateList(op, state, list.length);
      let u = updates;
      for (let i = 0; i < list.length; i++) u = list[i]!.update(u, states[i], params, context);
      return u;
    },
  };
}

/**
 * optax.chain: applies transformations in order, u ← T_n(…T_2(T_1(g))), each with its own state
 * (the chain's state is the list of them). AdamW = chain(scaleByAdam(), addDecayedWeights(λ), scaleByLearningRate(η)).
 * The composed update is still one expression per parameter: the Optimizer runs it in one pass.
 */
export function chain(...transforms: readonly GradientTransformation[]): GradientTransformation<unknown[]> {
  return namedChain("chain", transforms);
}
