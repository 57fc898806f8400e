import type { DType, FloatArray } from "@backprop/tensor";
import { dtypeOf } from "@backprop/tensor";
import { StateDictError } from "./errors.js";
import { isJsonObject, type JsonValue } from "./json.js";

/*
 * Optimizer state as JSON plus binary tensors (`Optimizer.saveState` / `loadState`): the JSON keeps
 * the structure and the small scalars, and each per-parameter buffer (Adam's m and v, momentum) is a
 * reference {"$tensor": key} into a map of tensors, so a state of any size is stored as raw bytes
 * (safetensors) instead of JSON numbers (~40 bytes a parameter).
 */

/** A per-parameter state buffer: what a safetensors entry holds. */
export interface StateTensor {
  dtype: DType;
  shape: number[];
  data: FloatArray;
}

/** The JSON in place of a per-parameter buffer: the key of its tensor. */
export interface TensorReference {
  $tensor: string;
}

/** Receives a per-parameter buffer while the state is encoded; returns what the JSON holds instead. */
export type TensorCollector = (key: string, tensor: StateTensor) => JsonValue;

/**
 * A collector that puts each buffer into `tensors` under `key` (the state path and parameter name,
 * e.g. `state[0].mu.0.weight`) and leaves {"$tensor": key} in the JSON. The tensors' `data` are
 * copies read out of the optimizer's state tensors.
 */
export function collectInto(tensors: Map<string, StateTensor>): TensorCollector {
  return (key, tensor) => {
    tensors.set(key, tensor);
    return { $tensor: key };
  };
}

export function isTensorReference(value: unknown): value is TensorReference {
  return isJsonObject(value) && typeof value.$tensor === "string" && Object.keys(value).length === 1;
}

function references(value: unknown, found: string[]): string[] {
  if (isTensorReference(value)) found.push(value.$tensor);
  else if (Array.isArray(value)) for (const v of value) references(v, found);
  else if (isJsonObject(value)) for (const v of Object.values(value)) references(v, found);
  return found;
}

/**
 * Checks that the references in a saved state and the tensors given match one to one: a reference
 * without a tensor, a tensor nothing refers to or a tensor referred to twice is a StateDictError
 * naming the keys.
 */
export function checkTensorReferences(state: JsonValue, tensors: ReadonlyMap<string, StateTensor>): void {
  const keys = references(state, []);
  const missing = keys.filter((k) => !tensors.has(k));
  const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
  const unused = [...tensors.keys()].filter((k) => !keys.includes(k));
  const quote = (list: string[]) => list.map((k) => JSON.stringify(k)).join(", ");
  const problems = [
    missing.length > 0 ? `no tensor for ${quote(missing)}` : "",
    twice.length > 0 ? `referred to twice: ${quote(twice)}` : "",
    unused.length > 0 ? `unexpected tensors ${quote(unused)}` : "",
  ].filter((p) => p !== "");
  if (problems.length > 0) throw new StateDictError(`loadState: ${problems.join("; ")}`);
}

/**
 * The buffer a reference names, checked against the parameter it is loaded for: dtype, shape and
 * length must all match. `where` is the state path, named in the error.
 */
export function referencedTensor(
  reference: TensorReference,
  tensors: ReadonlyMap<string, StateTensor>,
  target: { readonly dtype: DType; readonly size: number },
  shape: readonly number[],
  where: string,
): FloatArray {
  const tensor = tensors.get(reference.$tensor);
  if (tensor === undefined)
    throw new StateDictError(`loadState: ${where}: no tensor ${JSON.stringify(reference.$tensor)}`);
  const expected = `${target.dtype}[${shape.join(",")}]`;
  const actual = `${tensor.dtype}[${tensor.shape.join(",")}]`;
  if (
    expected !== actual ||
    !ArrayBuffer.isView(tensor.data) ||
    dtypeOf(tensor.data) !== tensor.dtype ||
    tensor.data.length !== target.size
  ) {
    throw new StateDictError(
      `loadState: ${where}: tensor ${JSON.stringify(reference.$tensor)} is ${actual} with ${tensor.data?.length ?? "no"} elements, expected ${expected}`,
    );
  }
  return tensor.data;
}
