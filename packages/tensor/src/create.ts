import type { Backend } from "./backend.js";
import type { DType, FloatArray } from "./dtype.js";
import { allocateArray, dtypeOf, isDType } from "./dtype.js";
import { DTypeError, formatShape, ShapeError } from "./errors.js";
import { constant, evaluate } from "./expr.js";
import { jsBackend } from "./js-backend.js";
import type { Rng } from "./rng.js";
import { checkShape, sizeOf } from "./shape.js";
import { ArrayStorage } from "./storage.js";
import { type NestedArray, Tensor } from "./tensor.js";

/** Options of every tensor creator: the dtype and the backend. */
export interface CreateOptions {
  /** Element type; float32 unless given. */
  dtype?: DType;
  /** Where the elements live and ops run; the plain TypeScript backend unless given. */
  backend?: Backend;
}

function resolveDType(op: string, dtype: DType | undefined): DType {
  if (dtype === undefined) return "float32";
  if (!isDType(dtype))
    throw new DTypeError(`${op}: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  return dtype;
}

/** A zero-filled tensor. */
export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  const checked = checkShape("zeros", shape);
  const backend = options.backend ?? jsBackend;
  return new Tensor(
    backend.allocate(resolveDType("zeros", options.dtype), sizeOf(checked)),
    checked,
    backend,
  );
}

/** A tensor with every element equal to `value`. */
export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  const t = zeros(shape, options);
  if (!Object.is(value, 0)) evaluate({ shape: t.size, assign: [[t, constant(value)]] });
  return t;
}

/** A tensor of `shape` filled with ones. */
export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** A zero-filled tensor shaped, typed and placed like `like`. */
export function zerosLike(like: Tensor): Tensor {
  return zeros(like.shape, { dtype: like.dtype, backend: like.backend });
}

/**
 * A tensor over a typed array (wrapped without copying on the JS backend, copied into another
 * backend's memory otherwise) or a plain number array (copied, float32 unless `dtype` says).
 */
export function fromArray(
  data: FloatArray | readonly number[],
  shape: readonly number[],
  options: CreateOptions = {},
): Tensor {
  const checked = checkShape("fromArray", shape);
  const size = sizeOf(checked);
  if (data.length !== size) {
    throw new ShapeError(
      `fromArray: shape ${formatShape(checked)} needs ${size} elements, got ${data.length}`,
    );
  }
  const backend = options.backend ?? jsBackend;
  const isTyped = data instanceof Float32Array || data instanceof Float64Array;
  const dtype = isTyped ? dtypeOf(data) : resolveDType("fromArray", options.dtype);
  if (isTyped && options.dtype !== undefined && options.dtype !== dtype) {
    throw new DTypeError(
      `fromArray: a ${data.constructor.name} holds ${dtype}, but dtype ${options.dtype} was asked for`,
    );
  }
  if (isTyped && backend === jsBackend) return new Tensor(new ArrayStorage(data), checked, backend);
  const storage = backend.allocate(dtype, size);
  backend.write(storage, 0, data);
  return new Tensor(storage, checked, backend);
}

/** A tensor from nested arrays (`[[1, 2], [3, 4]]`) or a single number (rank 0). Rows must be even. */
export function tensor(values: NestedArray, options: CreateOptions = {}): Tensor {
  const shape: number[] = [];
  let probe: NestedArray = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const flat: number[] = [];
  const walk = (node: NestedArray, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof node !== "number")
        throw new ShapeError(`tensor: ragged nested array: element ${path} is not a number`);
      flat.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[axis]) {
      throw new ShapeError(
        `tensor: ragged nested array: element ${path || "[]"} has length ${Array.isArray(node) ? node.length : "(a number)"}, expected ${shape[axis]}`,
      );
    }
    node.forEach((child, i) => {
      walk(child, axis + 1, `${path}[${i}]`);
    });
  };
  walk(values, 0, "");
  return fromArray(flat, shape, options);
}

/** Options of `randomUniform`: the interval [low, high) (U[0, 1) unless given), dtype and backend. */
export interface UniformOptions extends CreateOptions {
  low?: number;
  high?: number;
}

/** Elements drawn independently from U[low, high) (default U[0, 1)). */
export function randomUniform(shape: readonly number[], rng: Rng, options: UniformOptions = {}): Tensor {
  const checked = checkShape("randomUniform", shape);
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  const data = allocateArray(resolveDType("randomUniform", options.dtype), sizeOf(checked));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniformIn(low, high);
  return fromArray(data, checked, { backend: options.backend ?? jsBackend });
}

/** Options of `randomNormal`: the mean and standard deviation (N(0, 1) unless given), dtype and backend. */
export interface NormalOptions extends CreateOptions {
  mean?: number;
  std?: number;
}

/** Elements drawn independently from N(mean, std²) (default N(0, 1)). */
export function randomNormal(shape: readonly number[], rng: Rng, options: NormalOptions = {}): Tensor {
  const checked = checkShape("randomNormal", shape);
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  const data = allocateArray(resolveDType("randomNormal", options.dtype), sizeOf(checked));
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  return fromArray(data, checked, { backend: options.backend ?? jsBackend });
}
