import type { ParamArrays } from "./params.js";
import type { GradientTransformation, Spec } from "./transform.js";

/**
 * optax.chain: applies transformations in order, u ← T_n(…T_2(T_1(g))), each with its own state
 * (the chain's state is the list of them). AdamW = chain(scaleByAdam(), addDecayedWeights(λ), scaleByLearningRate(η)).
 */
export function chain(...transforms: readonly GradientTransformation[]): GradientTransformation<unknown[]> {
  const list = transforms;
  const specs = list.map((t) => t.spec);
  const spec: Spec | undefined = specs.every((s): s is Spec => s !== undefined)
    ? { type: "chain", options: { transforms: specs.map((s) => ({ type: s.type, options: s.options })) } }
    : undefined;
  return {
    ...(spec === undefined ? {} : { spec }),
    init: (params: ParamArrays) => list.map((t) => t.init(params)),
    update(updates: ParamArrays, state: unknown[], params: ParamArrays): ParamArrays {
      let u = updates;
      for (let i = 0; i < list.length; i++) u = list[i]!.update(u, state[i], params);
      return u;
    },
  };
}
