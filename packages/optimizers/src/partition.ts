import type { Expr } from "@backprop/tensor";
import { OptimizerError, StateDictError } from "./errors.js";
import type { ParamInfo, ParamTensors } from "./params.js";
import type { GradientTransformation, UpdateContext } from "./transform.js";

interface Group {
  readonly label: string;
  readonly indices: readonly number[];
  /** The group's parameters; its slots are re-pointed at every update (no allocation). */
  readonly params: ParamTensors;
}

function subset(all: ParamTensors, indices: readonly number[]): ParamTensors {
  return {
    names: indices.map((i) => all.names[i]!),
    shapes: indices.map((i) => all.shapes[i]!),
    tensors: indices.map((i) => all.tensors[i]!),
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
    init(params: ParamTensors): Record<string, unknown> {
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
        return { label: l, indices, params: subset(params, indices) };
      });
      const state: Record<string, unknown> = {};
      for (const g of groups) state[g.label] = inner[g.label]!.init(g.params);
      groupsOf.set(state, groups);
      return state;
    },
    update(
      updates: readonly Expr[],
      state: Record<string, unknown>,
      params: ParamTensors,
      context: UpdateContext,
    ): readonly Expr[] {
      const groups = typeof state === "object" && state !== null ? groupsOf.get(state) : undefined;
      if (groups === undefined)
        throw new StateDictError("partition: update() was given a state this partition did not init()");
      const out = [...updates];
      for (const g of groups) {
        g.indices.forEach((i, j) => {
          g.params.tensors[j] = params.tensors[i]!;
        });
        const groupUpdates = g.indices.map((i) => updates[i]!);
        const result = inner[g.label]!.update(
          groupUpdates,
          state[g.label],
          g.params,
          context.select(g.indices),
        );
        g.indices.forEach((i, j) => {
          out[i] = result[j]!;
        });
      }
      return out;
    },
  };
}
