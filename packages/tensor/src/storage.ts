import type { CpuStorage } from "./backend.js";
import type { FloatArray } from "./dtype.js";

/** Storage that owns a typed array on the JS heap: the JS backend's. */
export class ArrayStorage implements CpuStorage {
  readonly dtype;
  readonly length: number;
  readonly data: FloatArray;

  constructor(data: FloatArray) {
    this.data = data;
    this.length = data.length;
    this.dtype = data instanceof Float32Array ? ("float32" as const) : ("float64" as const);
  }
}
