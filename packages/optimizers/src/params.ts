import type { FloatArray } from "@backprop/tensor";
import { allocateArray, dtypeOf } from "@backprop/tensor";

/** What a transformation may know of a parameter besides its elements (e.g. to mask biases). */
export interface ParamInfo {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * Named typed arrays in a fixed order: the parameters, the gradients / updates, or one per-parameter
 * state buffer (Adam's m, say). `arrays[i]` belongs to `names[i]`; transformations loop over positions,
 * and state is saved keyed by name. `arrays` is a mutable list so a caller can point its slots at fresh
 * views (a tensor's `data` may be re-created by its backend) without allocating.
 */
export interface ParamArrays {
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  readonly arrays: FloatArray[];
}

/** Anything with elements and a shape, e.g. a `Tensor`. */
export interface Shaped {
  readonly data: FloatArray;
  readonly shape: readonly number[];
}

/** Named arrays from a record: `paramArrays({ w: new Float64Array(6), b: tensor })`. Shapes of plain arrays are `[length]`. */
export function paramArrays(record: Readonly<Record<string, FloatArray | Shaped>>): ParamArrays {
  const names = Object.keys(record);
  const shapes = names.map((n) => {
    const v = record[n]!;
    return "shape" in v ? [...v.shape] : [v.length];
  });
  const arrays = names.map((n) => {
    const v = record[n]!;
    return "data" in v ? v.data : v;
  });
  return { names, shapes, arrays };
}

/** Fresh buffers named and shaped like `like`, of the same dtypes, filled with `value` (0 by default). */
export function zerosLikeParams(like: ParamArrays, value = 0): ParamArrays {
  const arrays = like.arrays.map((a) => {
    const b = allocateArray(dtypeOf(a), a.length);
    if (value !== 0) b.fill(value);
    return b;
  });
  return { names: like.names, shapes: like.shapes, arrays };
}

/** optax.apply_updates: p ← p + u, in place. */
export function applyUpdates(params: ParamArrays, updates: ParamArrays): void {
  for (let i = 0; i < params.arrays.length; i++) {
    const p = params.arrays[i]!;
    const u = updates.arrays[i]!;
    for (let j = 0; j < p.length; j++) p[j]! += u[j]!;
  }
}

/** Structural test, so two copies of this package recognise each other's per-parameter state. */
export function isParamArrays(value: unknown): value is ParamArrays {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<ParamArrays>;
  return Array.isArray(v.names) && Array.isArray(v.shapes) && Array.isArray(v.arrays);
}
