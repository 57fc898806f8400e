import { StateDictError } from "./errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import { decodeNumber, encodeNumber } from "./json-number.js";
import { isParamTensors } from "./params.js";
import {
  isTensorReference,
  referencedTensor,
  type StateTensor,
  type TensorCollector,
} from "./state-tensors.js";

/*
 * Transformation state ⇄ JSON. Encoding walks the state tree; decoding walks the *freshly initialised*
 * state of the optimizer being loaded alongside the JSON, so the structure, the parameter names and
 * the buffer lengths are all checked, and the values are written into the existing state tensors with
 * `Tensor.write` (which keeps them the same objects on their backends: nothing is reallocated by a load).
 * Per-parameter tensors are read with `Tensor.read`, so this works on every backend.
 */

interface Stateful {
  stateDict(): JsonObject;
  loadStateDict(state: JsonObject): void;
}

function isStateful(value: unknown): value is Stateful {
  const v = value as Partial<Stateful> | null;
  return typeof v?.stateDict === "function" && typeof v.loadStateDict === "function";
}

/** A bare buffer in the state: a typed array or a tensor-like object outside ParamTensors. */
function isBareBuffer(value: unknown): boolean {
  if (ArrayBuffer.isView(value)) return true;
  const v = value as { read?: unknown; shape?: unknown } | null;
  return typeof v?.read === "function" && Array.isArray(v.shape);
}

/**
 * The state as JSON: per-parameter buffers as `{ [name]: number[] }`, numbers losslessly (see
 * encodeNumber); with `collect` (collect mode), each buffer is read out and handed to it instead,
 * under the key `<path>.<name>`, and the JSON holds what it returns (see state-tensors.ts).
 */
export function encodeState(value: unknown, path = "state", collect?: TensorCollector): JsonValue {
  if (typeof value === "number") return encodeNumber(value);
  if (typeof value === "boolean" || typeof value === "string" || value === null) return value;
  if (isBareBuffer(value)) {
    throw new StateDictError(
      `stateDict: ${path} is a bare typed array or tensor; keep per-parameter buffers in ParamTensors (zerosLikeParams) so they are saved by name`,
    );
  }
  if (isParamTensors(value)) {
    const out: JsonObject = {};
    value.names.forEach((name, i) => {
      const tensor = value.tensors[i]!;
      out[name] =
        collect === undefined
          ? Array.from(tensor.read(), encodeNumber)
          : collect(`${path}.${name}`, {
              dtype: tensor.dtype,
              shape: [...value.shapes[i]!],
              data: tensor.read(),
            });
    });
    return out;
  }
  if (isStateful(value)) return value.stateDict();
  if (Array.isArray(value)) return value.map((v, i) => encodeState(v, `${path}[${i}]`, collect));
  if (typeof value === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as object)) out[k] = encodeState(v, `${path}.${k}`, collect);
    return out;
  }
  throw new StateDictError(`stateDict: ${path} holds a ${typeof value}, which has no JSON form`);
}

function sameKeys(path: string, expected: readonly string[], json: JsonObject, what: string): void {
  const missing = expected.filter((k) => !Object.hasOwn(json, k));
  const unexpected = Object.keys(json).filter((k) => !expected.includes(k));
  if (missing.length > 0 || unexpected.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${what} ${missing.map((k) => JSON.stringify(k)).join(", ")}` : "",
      unexpected.length > 0
        ? `unexpected ${what} ${unexpected.map((k) => JSON.stringify(k)).join(", ")}`
        : "",
    ].filter((p) => p !== "");
    throw new StateDictError(`loadStateDict: ${path}: ${parts.join("; ")}`);
  }
}

/**
 * Checks `json` against `target` (write = false) or writes it into `target` (write = true); returns the
 * value to store in the parent for numbers and other immutable leaves, `target` itself otherwise.
 * With `tensors`, a per-parameter buffer may be a reference {"$tensor": key} into them (saveState's form).
 */
export function restoreState(
  target: unknown,
  json: unknown,
  path: string,
  write: boolean,
  tensors?: ReadonlyMap<string, StateTensor>,
): unknown {
  if (typeof target === "number") return decodeNumber(json, `loadStateDict: ${path}`);
  if (typeof target === "boolean" || typeof target === "string" || target === null) {
    if (target === null ? json !== null : typeof json !== typeof target) {
      throw new StateDictError(
        `loadStateDict: ${path}: expected ${target === null ? "null" : `a ${typeof target}`}, got ${JSON.stringify(json)}`,
      );
    }
    return json;
  }
  if (!isJsonObject(json) && !Array.isArray(json)) {
    throw new StateDictError(
      `loadStateDict: ${path}: expected an object or array, got ${JSON.stringify(json)}`,
    );
  }
  if (isParamTensors(target)) {
    if (!isJsonObject(json))
      throw new StateDictError(`loadStateDict: ${path}: expected { [parameter]: number[] }`);
    sameKeys(path, target.names, json, "parameter");
    target.names.forEach((name, i) => {
      const tensor = target.tensors[i]!;
      const values = json[name];
      const where = `${path}["${name}"]`;
      if (tensors !== undefined && isTensorReference(values)) {
        const source = referencedTensor(values, tensors, tensor, target.shapes[i]!, where);
        if (write) tensor.write(source);
        return;
      }
      if (!Array.isArray(values) || values.length !== tensor.size) {
        throw new StateDictError(
          `loadStateDict: ${where}: expected ${tensor.size} numbers (parameter "${name}", shape [${target.shapes[i]!.join(",")}]), got ${Array.isArray(values) ? `${values.length} numbers` : JSON.stringify(values)}`,
        );
      }
      const float32 = tensor.dtype === "float32";
      const decoded = values.map((v, j) => {
        const x = decodeNumber(v, `loadStateDict: ${where}[${j}]`);
        if (float32 && !Object.is(Math.fround(x), x) && !Number.isNaN(x)) {
          throw new StateDictError(
            `loadStateDict: ${where}[${j}]: ${x} is not a float32 value (parameter "${name}" is float32)`,
          );
        }
        return x;
      });
      if (write) tensor.write(decoded);
    });
    return target;
  }
  if (isStateful(target)) {
    if (!isJsonObject(json)) throw new StateDictError(`loadStateDict: ${path}: expected an object`);
    if (write) {
      target.loadStateDict(json);
    } else {
      // The checking pass writes nothing: a stateful child (a schedule) validates by loading, then
      // gets its own state back, so a refused state never leaves earlier buffers overwritten.
      const current = target.stateDict();
      try {
        target.loadStateDict(json);
      } finally {
        target.loadStateDict(current);
      }
    }
    return target;
  }
  if (Array.isArray(target)) {
    if (!Array.isArray(json) || json.length !== target.length) {
      throw new StateDictError(
        `loadStateDict: ${path}: expected a list of ${target.length} states, got ${JSON.stringify(json).slice(0, 80)}`,
      );
    }
    target.forEach((t, i) => {
      const v = restoreState(t, json[i], `${path}[${i}]`, write, tensors);
      if (write) target[i] = v;
    });
    return target;
  }
  if (!isJsonObject(json)) throw new StateDictError(`loadStateDict: ${path}: expected an object, got a list`);
  const obj = target as Record<string, unknown>;
  sameKeys(path, Object.keys(obj), json, "key");
  for (const k of Object.keys(obj)) {
    const v = restoreState(obj[k], json[k], `${path}.${k}`, write, tensors);
    if (write) obj[k] = v;
  }
  return target;
}
