import { TensorError } from "@backprop/tensor";

/**
 * What the WebAssembly backend throws: SIMD not available, a storage from another backend or one
 * already disposed, linear memory exhausted, a bad label. A TensorError, so `catch` on the tensor
 * library's errors covers it.
 */
export class WasmBackendError extends TensorError {
  override name = "WasmBackendError";
}
