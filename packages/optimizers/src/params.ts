import { full, type Tensor, zerosLike } from "@backprop/tensor";

/** What a transformation may know of a parameter besides its elements (e.g. to mask biases). */
export interface ParamInfo {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * Named tensors in a fixed order: the parameters, or one per-parameter state buffer (Adam's m, say).
 * `tensors[i]` belongs to `names[i]`; transformations loop over positions, and state is saved keyed by
 * name. `tensors` is a mutable list so the `Optimizer` can point its slots at re-created parameter
 * tensors (same names, shapes and dtypes) without allocating.
 */
export interface ParamTensors {
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  readonly tensors: Tensor[];
}

/** Named tensors from a record: `paramTensors({ w: weight, b: bias })`. */
export function paramTensors(record: Readonly<Record<string, Tensor>>): ParamTensors {
  const names = Object.keys(record);
  const tensors = names.map((n) => record[n]!);
  return { names, shapes: tensors.map((t) => [...t.shape]), tensors };
}

/**
 * Fresh tensors named and shaped like `like`, each on its parameter's backend with its dtype, filled
 * with `value` (0 by default): the per-parameter state buffers of a transformation.
 */
export function zerosLikeParams(like: ParamTensors, value = 0): ParamTensors {
  const tensors = like.tensors.map((t) =>
    value === 0 ? zerosLike(t) : full(t.shape, value, { dtype: t.dtype, backend: t.backend }),
  );
  return { names: like.names, shapes: like.shapes, tensors };
}

/** Structural test, so two copies of this package recognise each other's per-parameter state. */
export function isParamTensors(value: unknown): value is ParamTensors {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<ParamTensors>;
  return Array.isArray(v.names) && Array.isArray(v.shapes) && Array.isArray(v.tensors);
}
