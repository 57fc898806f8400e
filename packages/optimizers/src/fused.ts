import type { Backend, FusedOps, Storage } from "@backprop/tensor";
import type { ParamArrays } from "./params.js";

/** A parameter as the fused kernels see it: its backend, its storages and its state buffers in that backend. */
export interface FusedParameter {
  readonly backend: Backend & FusedOps;
  /** Number of elements. */
  readonly length: number;
  readonly value: Storage;
  readonly grad: Storage;
  /** The parameter's buffer in each of `FusedUpdate.buffers(state)`, in that order. */
  readonly buffers: readonly Storage[];
}

/**
 * A transformation's update as one fused backend kernel per parameter (`FusedOps.sgdStep`, `adamStep`):
 * `step` does what `update` followed by θ ← θ + u does, up to the kernels' rounding (a backend computes
 * in its own order and precision; `adamStep` also flushes subnormal moments to zero). The `Optimizer`
 * facade runs it instead of `update` for parameters whose backend's kernels are native code; see there.
 */
export interface FusedUpdate<S = unknown> {
  /** The per-parameter state buffers the kernels read and write (Adam's m and v, SGD's momentum). */
  buffers(state: S): readonly ParamArrays[];
  /** θ ← θ + T(g) for every parameter, advancing the state's scalars (step counts) as `update` does. */
  step(state: S, parameters: readonly FusedParameter[]): void;
}
