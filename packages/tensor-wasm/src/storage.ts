import type { CpuStorage, DType, FloatArray } from "@backprop/tensor";
import { WasmBackendError } from "./errors.js";
import type { Heap } from "./heap.js";

const BYTES: Record<DType, number> = { float32: 4, float64: 8 };

/**
 * Tensor elements in a backend's WebAssembly linear memory, at byte offset `byteOffset`.
 *
 * `data` is a typed-array view of them, re-created whenever `memory.buffer` has changed (growing the
 * memory detaches the old buffer), so read `data` where you use it and do not keep the view across
 * calls that may allocate. The memory is returned to the backend's allocator by `dispose()`, or, if
 * you never call it, once the storage has been garbage-collected (FinalizationRegistry); a view you
 * kept beyond that may then alias a newer tensor.
 */
export interface WasmStorage extends CpuStorage {
  /** Byte offset of element 0 in linear memory (64-byte aligned). */
  readonly byteOffset: number;
  /** Whether `dispose()` has run (its memory may belong to another tensor by now). */
  readonly isDisposed: boolean;
  /** Frees the memory now; the storage must not be used afterwards. Calling it twice is a no-op. */
  dispose(): void;
}

/** The WasmStorage of one backend's heap (internal: the public type is the interface). */
export class HeapStorage implements WasmStorage {
  readonly dtype: DType;
  readonly length: number;
  readonly byteOffset: number;
  readonly heap: Heap;
  private view: FloatArray;
  private disposed = false;

  constructor(heap: Heap, dtype: DType, length: number) {
    this.heap = heap;
    this.dtype = dtype;
    this.length = length;
    this.byteOffset = heap.allocate(length * BYTES[dtype]);
    heap.registry.register(this, [this.byteOffset, length * BYTES[dtype]], this);
    this.view = this.createView();
  }

  get data(): FloatArray {
    if (this.view.buffer !== this.heap.memory.buffer) {
      if (this.disposed) throw new WasmBackendError("WasmStorage: data of a disposed storage");
      this.view = this.createView();
    }
    return this.view;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.heap.registry.unregister(this);
    this.view = this.dtype === "float32" ? new Float32Array(0) : new Float64Array(0);
    this.heap.release(this.byteOffset, this.length * BYTES[this.dtype]);
  }

  private createView(): FloatArray {
    const buffer = this.heap.memory.buffer;
    return this.dtype === "float32"
      ? new Float32Array(buffer, this.byteOffset, this.length)
      : new Float64Array(buffer, this.byteOffset, this.length);
  }
}
