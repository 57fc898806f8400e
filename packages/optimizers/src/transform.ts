import type { FusedUpdate } from "./fused.js";
import type { JsonObject } from "./json.js";
import type { ParamArrays } from "./params.js";

/** The JSON description a registry rebuilds a transformation or schedule from: `{ type: "adam", options: { lr: 0.001 } }`. */
export interface Spec {
  readonly type: string;
  readonly options: JsonObject;
}

/**
 * optax's contract, in place: an optimizer is a gradient transformation.
 *
 * - `init(params) → state` allocates every buffer the transformation will need, once.
 * - `update(updates, state, params) → updates` turns the incoming gradients into updates *in place*
 *   (it writes into `updates.arrays`, which the caller owns, and into `state`) and returns `updates`;
 *   the caller then applies θ ← θ + u (see `applyUpdates`). It allocates nothing.
 *
 * State is a tree of plain objects, arrays, numbers, booleans, `ParamArrays` (per-parameter buffers,
 * saved keyed by parameter name) and stateful objects with `stateDict()` / `loadStateDict()`
 * (schedules). Per-parameter buffers must be `ParamArrays`, never bare typed arrays, so that saved
 * state never depends on parameter order.
 */
export interface GradientTransformation<S = unknown> {
  /** Allocates the state for `params` (every buffer, once). */
  init(params: ParamArrays): S;
  /** Turns the gradients `updates` into updates u in place (θ ← θ + u is the caller's), advancing `state`; allocates nothing. */
  update(updates: ParamArrays, state: S, params: ParamArrays): ParamArrays;
  /** Present when the transformation can be rebuilt from JSON by an `OptimizerRegistry`. */
  readonly spec?: Spec;
  /**
   * Present when the whole update (θ ← θ + T(g)) is also one fused backend kernel per parameter,
   * which the `Optimizer` facade runs on backends with native kernels (built-in SGD, Adam and AdamW).
   */
  readonly fused?: FusedUpdate<S>;
}

/** A transformation that leaves the updates as they are and keeps no state. */
export type StatelessState = Record<string, never>;
