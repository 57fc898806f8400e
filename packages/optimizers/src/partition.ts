import { OptimizerError } from "./errors.js";
import type { ParamArrays, ParamInfo } from "./params.js";
import type { GradientTransformation } from "./transform.js";

interface Group {
  readonly label: string;
  readonly indices: readonly number[];
  /** Views onto the full updates / params, re-pointed at every update (no allocation). */
  readonly updates: ParamArrays;
  readonly params: ParamArrays;
}

function subset(all: ParamArrays, indices: readonly number[]): ParamArrays {
  return {
    names: indices.map((i) => all.names[i]!),
    shapes: indices.map((i) => all.shapes[i]!),
    arrays: indices.map((i) => all.arrays[i]!),
  };
}

/**
 * optax.multi_transform: per-parameter groups. `label(param)` names each parameter's group and
 * `transforms[label]` updates that group alone, with its own state (the state is keyed by label).
 * E.g. a different learning rate for the last layer, or no weight decay for biases (see `masked`).
 */
export function partition(
  transforms: Readonly<Record<string, GradientTransformation>>,
  label: (param: ParamInfo) => string,
): GradientTransformation<Record<string, unknown>> {
  const labels = Object.keys(transforms);
  const inner = transforms;
  // The groups of each state this transformation initialised: scratch, not saved state.
  const groupsOf = new WeakMap<object, readonly Group[]>();
  return {
    init(params: ParamArrays): Record<string, unknown> {
      const byLabel = new Map<string, number[]>(labels.map((l) => [l, []]));
      params.names.forEach((name, i) => {
        const l = label({ name, shape: params.shapes[i]! });
        const group = byLabel.get(l);
        if (group === undefined) {
          throw new OptimizerError(
            `partition: parameter "${name}" was labelled ${JSON.stringify(l)}, which is not one of ${labels.map((k) => JSON.stringify(k)).join(", ")}`,
          );
        }
        group.push(i);
      });
      const groups = labels.map((l) => {
        const indices = byLabel.get(l)!;
        return { label: l, indices, updates: subset(params, indices), params: subset(params, indices) };
      });
      const state: Record<string, unknown> = {};
      for (const g of groups) state[g.label] = inner[g.label]!.init(g.params);
      groupsOf.set(state, groups);
      return state;
    },
    update(updates: ParamArrays, state: Record<string, unknown>, params: ParamArrays): ParamArrays {
      const groups = groupsOf.get(state);
      if (groups === undefined)
        throw new OptimizerError("partition: update() was given a state this partition did not init()");
      for (let k = 0; k < groups.length; k++) {
        const g = groups[k]!;
        for (let j = 0; j < g.indices.length; j++) {
          g.updates.arrays[j] = updates.arrays[g.indices[j]!]!;
          g.params.arrays[j] = params.arrays[g.indices[j]!]!;
        }
        const out = inner[g.label]!.update(g.updates, state[g.label], g.params);
        for (let j = 0; j < g.indices.length; j++) updates.arrays[g.indices[j]!] = out.arrays[j]!;
      }
      return updates;
    },
  };
}
