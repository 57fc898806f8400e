import type { DType, FloatArray } from "./dtype.js";

/**
 * Where a tensor's elements live. The JS backend keeps them in a typed array on the JS heap; a
 * WebAssembly backend keeps them in its linear memory and hands out a view that it re-creates when
 * the memory grows (growing detaches old views). So code reads `storage.data` at the point of use
 * and never caches the typed array across calls that may allocate.
 */
export interface Storage {
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
  /** A typed-array view of exactly `length` elements. */
  readonly data: FloatArray;
}

/** Storage that owns a typed array on the JS heap. */
export class ArrayStorage implements Storage {
  readonly dtype: DType;
  readonly length: number;
  readonly data: FloatArray;

  constructor(data: FloatArray) {
    this.data = data;
    this.length = data.length;
    this.dtype = data instanceof Float32Array ? "float32" : "float64";
  }
}
