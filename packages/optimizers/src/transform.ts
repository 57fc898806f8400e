import type { Expr, Tensor } from "@backprop/tensor";
import type { JsonObject } from "./json.js";
import type { ParamTensors } from "./params.js";

/** The JSON description a registry rebuilds a transformation or schedule from: `{ type: "adam", options: { lr: 0.001 } }`. */
export interface Spec {
  readonly type: string;
  readonly options: JsonObject;
}

/**
 * What a transformation's `update` may ask of the step it is part of. The caller (the `Optimizer`, or
 * `computeUpdates`) runs every parameter's update and state writes as ONE elementwise pass per
 * parameter on the parameters' backend, so a whole chain is as fast as the backend's fused kernels.
 */
export interface UpdateContext {
  /**
   * Records state ← value for parameter `parameterIndex` (`target` is that parameter's state tensor),
   * written in the same pass as the parameter's update. Returns the Expr of the new value: use it, not
   * `lazy(target)`, for the rest of this step (the target still holds the old value until the pass).
   */
  assign(parameterIndex: number, target: Tensor, value: Expr): Expr;
  /** Σ over the parameters and elements of exprs[i] (exprs[i] belongs to parameter i), in a separate pass. */
  sum(exprs: readonly Expr[]): number;
  /** max over the parameters and elements of exprs[i] (−∞ when there are none), in a separate pass. */
  max(exprs: readonly Expr[]): number;
  /**
   * The context as a transformation that updates only the parameters `indices` sees it (a group of
   * `partition`): its parameter j is parameter indices[j] here.
   */
  select(indices: readonly number[]): UpdateContext;
}

/**
 * optax's contract, on lazy tensor expressions: an optimizer is a gradient transformation.
 *
 * - `init(params) → state` allocates every buffer the transformation will need, once: per-parameter
 *   buffers as `ParamTensors` on the parameters' backends (`zerosLikeParams`).
 * - `update(updates, state, params, context) → updates` turns the incoming updates (the gradients, as
 *   Exprs) into new update Exprs, one per parameter. It writes per-parameter state only through
 *   `context.assign` and reads global reductions (a norm) through `context.sum` / `context.max`; the
 *   caller then applies θ ← θ + u. Scalars (step counts) live in `state` and change in `update`.
 *
 * State is a tree of plain objects, arrays, numbers, booleans, `ParamTensors` (per-parameter buffers,
 * saved keyed by parameter name) and stateful objects with `stateDict()` / `loadStateDict()`
 * (schedules). Per-parameter buffers must be `ParamTensors`, never bare tensors, so that saved state
 * never depends on parameter order.
 */
export interface GradientTransformation<S = unknown> {
  /** Allocates the transformation's state for `params` (see above). */
  init(params: ParamTensors): S;
  /** The new update Exprs, one per parameter, from the incoming ones (see above). */
  update(updates: readonly Expr[], state: S, params: ParamTensors, context: UpdateContext): readonly Expr[];
  /** Present when the transformation can be rebuilt from JSON by an `OptimizerRegistry`. */
  readonly spec?: Spec;
}

/** A transformation that keeps no state. */
export type StatelessState = Record<string, never>;
