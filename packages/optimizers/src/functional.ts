import { evaluate, lazy } from "@backprop/tensor";
import { describe } from "./describe.js";
import { OptimizerError } from "./errors.js";
import type { ParamTensors } from "./params.js";
import { StepPass } from "./step-pass.js";
import type { GradientTransformation } from "./transform.js";

/**
 * Checks that `b` holds one tensor per parameter of `a`, by name, of the same shape and dtype on the
 * same backend, and throws an OptimizerError naming the first parameter that does not.
 */
function checkMatching(op: string, a: ParamTensors, b: ParamTensors, what: string): void {
  if (b.names.length !== a.names.length || b.tensors.length !== a.tensors.length) {
    throw new OptimizerError(
      `${op}: ${what} has ${b.tensors.length} tensors (${b.names.map((n) => `"${n}"`).join(", ")}), the parameters ${a.tensors.length} (${a.names.map((n) => `"${n}"`).join(", ")})`,
    );
  }
  a.names.forEach((name, i) => {
    const [p, u] = [a.tensors[i]!, b.tensors[i]!];
    if (b.names[i] !== name) {
      throw new OptimizerError(`${op}: ${what} ${i} is "${b.names[i]}", the parameter there is "${name}"`);
    }
    if (p.dtype !== u.dtype || p.shape.join(",") !== u.shape.join(",") || p.backend !== u.backend) {
      throw new OptimizerError(
        `${op}: parameter "${name}": ${what} is ${describe(u)} on ${u.backend.name}, the parameter ${describe(p)} on ${p.backend.name}`,
      );
    }
  });
}

/**
 * The optax-style functional step, part one: u = T(g), materialised into `grads` (in place) while the
 * state is written, one pass per parameter. Then `applyUpdates(params, updates)`. (A training loop
 * is better served by `Optimizer`, which also keeps the scratch a max-norm clip needs across steps.)
 *
 * ```ts
 * const updates = computeUpdates(tx, grads, state, params);
 * applyUpdates(params, updates); // θ ← θ + u
 * ```
 */
export function computeUpdates<S>(
  transform: GradientTransformation<S>,
  grads: ParamTensors,
  state: S,
  params: ParamTensors,
): ParamTensors {
  checkMatching("computeUpdates", params, grads, "gradient");
  const pass = new StepPass(params);
  const updates = transform.update(
    grads.tensors.map((g) => lazy(g)),
    state,
    params,
    pass,
  );
  if (updates.length !== grads.tensors.length) {
    pass.clear();
    throw new OptimizerError(
      `computeUpdates: the transformation returned ${updates.length} updates for ${grads.tensors.length} parameters`,
    );
  }
  grads.tensors.forEach((g, i) => {
    pass.run(i, g, updates[i]!);
  });
  return grads;
}

/** optax.apply_updates: θ ← θ + u for every parameter, in place; the names, shapes and dtypes must match. */
export function applyUpdates(params: ParamTensors, updates: ParamTensors): void {
  checkMatching("applyUpdates", params, updates, "update");
  params.tensors.forEach((p, i) => {
    evaluate({ shape: p.size, assign: [[p, lazy(p).add(lazy(updates.tensors[i]!))]] });
  });
}
