import type { Backend, CpuStorage, Storage } from "./backend.js";
import type { DType, FloatArray } from "./dtype.js";
import { formatShape, ShapeError, TensorError } from "./errors.js";
import { formatElements } from "./format.js";
import { jsBackend } from "./js-backend.js";
import { checkShape, sizeOf } from "./shape.js";

/** Nested number arrays, as `toArray()` returns them and `tensor()` accepts them. */
export type NestedArray = number | NestedArray[];

/**
 * A dense, contiguous, row-major array of float32 or float64 numbers.
 *
 * The elements live in a `Storage` owned by the tensor's `backend` (a JS typed array for the default
 * backend, WebAssembly memory or a device buffer for others). Move them with `read` / `write`, `get`
 * / `set`, `toArray`, which work on every backend; compute with the ops and `evaluate`.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  readonly storage: Storage;
  readonly backend: Backend;

  constructor(storage: Storage, shape: readonly number[], backend: Backend = jsBackend) {
    this.shape = checkShape("Tensor", shape);
    this.size = sizeOf(this.shape);
    if (this.size !== storage.length) {
      throw new ShapeError(
        `Tensor: shape ${formatShape(shape)} needs ${this.size} elements but the storage holds ${storage.length}`,
      );
    }
    this.storage = storage;
    this.backend = backend;
  }

  get dtype(): DType {
    return this.storage.dtype;
  }

  /**
   * The elements as a CPU typed array view, row-major, for backends that keep them in one (js, wasm);
   * writes through it change the tensor. Throws for a backend whose memory is elsewhere: use `read()`
   * / `write()`, which work everywhere. Read it where you use it, never keep it: a backend may replace
   * the view when its memory grows.
   */
  get data(): FloatArray {
    const data = (this.storage as Partial<CpuStorage>).data;
    if (data === undefined) {
      throw new TensorError(
        `tensor.data: backend ${this.backend.name} keeps its elements off the CPU; use read() / write()`,
      );
    }
    return data;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The same elements under a new shape, without copying; one dimension may be -1 (inferred). */
  reshape(shape: readonly number[]): Tensor {
    const inferred = shape.indexOf(-1);
    let resolved = shape;
    if (inferred >= 0) {
      const known = sizeOf(shape.filter((_, i) => i !== inferred));
      if (known === 0 || this.size % known !== 0 || shape.lastIndexOf(-1) !== inferred) {
        throw new ShapeError(`reshape: cannot reshape ${formatShape(this.shape)} to ${formatShape(shape)}`);
      }
      resolved = shape.map((d, i) => (i === inferred ? this.size / known : d));
    }
    const checked = checkShape("reshape", resolved);
    if (sizeOf(checked) !== this.size) {
      throw new ShapeError(
        `reshape: cannot reshape ${formatShape(this.shape)} (${this.size} elements) to ${formatShape(shape)} (${sizeOf(checked)} elements)`,
      );
    }
    return new Tensor(this.storage, checked, this.backend);
  }

  /**
   * The elements, row-major, copied out: into `out` when given (its length must be the tensor's size;
   * reusing it keeps a loop allocation-free), else into a new typed array of the tensor's dtype.
   * Works on every backend, including those whose memory is not a CPU typed array.
   */
  read(): FloatArray;
  read<Out extends FloatArray>(out: Out): Out;
  read(out?: FloatArray): FloatArray {
    if (out !== undefined && out.length !== this.size) {
      throw new ShapeError(
        `read: tensor ${formatShape(this.shape)} has ${this.size} elements, the output array ${out.length}`,
      );
    }
    const result =
      out ?? (this.dtype === "float32" ? new Float32Array(this.size) : new Float64Array(this.size));
    this.backend.read(this.storage, 0, result);
    return result;
  }

  /** Copies `values` into the elements [offset, offset + values.length), row-major. */
  write(values: ArrayLike<number>, offset = 0): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + values.length > this.size) {
      throw new ShapeError(
        `write: ${values.length} values at offset ${offset} do not fit tensor ${formatShape(this.shape)} (${this.size} elements)`,
      );
    }
    this.backend.write(this.storage, offset, values);
  }

  /** A copy with its own storage on the same backend. */
  clone(): Tensor {
    const storage = this.backend.allocate(this.dtype, this.size);
    this.backend.write(storage, 0, this.read());
    return new Tensor(storage, this.shape, this.backend);
  }

  /** The element at a multi-index (one index per dimension). */
  get(...index: number[]): number {
    const element = new Float64Array(1);
    this.backend.read(this.storage, this.offsetOf("get", index), element);
    return element[0]!;
  }

  /** Sets the element at a multi-index: `t.set(value, i, j)`. */
  set(value: number, ...index: number[]): void {
    this.backend.write(this.storage, this.offsetOf("set", index), [value]);
  }

  /** The single element of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new ShapeError(
        `item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, expected 1`,
      );
    return this.get(...this.shape.map(() => 0));
  }

  /** The elements as nested arrays (a number for a rank-0 tensor). */
  toArray(): NestedArray {
    const data = this.read();
    const build = (offset: number, axis: number): NestedArray => {
      if (axis === this.shape.length) return data[offset]!;
      let stride = 1;
      for (let d = axis + 1; d < this.shape.length; d++) stride *= this.shape[d]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[axis]!; i++) out.push(build(offset + i * stride, axis + 1));
      return out;
    };
    return build(0, 0);
  }

  /** A readable description: dtype, shape and the elements (summarised when there are many). */
  toString(): string {
    return `Tensor(${this.dtype}, ${formatShape(this.shape)})\n${formatElements(this.read(), this.shape)}`;
  }

  private offsetOf(op: string, index: readonly number[]): number {
    if (index.length !== this.shape.length) {
      throw new ShapeError(
        `${op}: index [${index.join(",")}] has ${index.length} entries, tensor ${formatShape(this.shape)} has rank ${this.shape.length}`,
      );
    }
    let offset = 0;
    for (let d = 0; d < index.length; d++) {
      const i = index[d]!;
      const dim = this.shape[d]!;
      if (!Number.isInteger(i) || i < 0 || i >= dim) {
        throw new ShapeError(
          `${op}: index [${index.join(",")}] is out of bounds for shape ${formatShape(this.shape)}`,
        );
      }
      offset = offset * dim + i;
    }
    return offset;
  }
}
