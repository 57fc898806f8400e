import { type Backend, jsBackend } from "@backprop/tensor";
import { createWasmBackend } from "@backprop/tensor-wasm";
import type { BackendChoice } from "../state/state.js";

/**
 * The tensors' backend: WebAssembly SIMD (one thread) where the browser has it, the JS backend
 * otherwise or when asked; the reason for a fallback is returned to be shown.
 */
export async function chooseBackend(choice: BackendChoice): Promise<{ backend: Backend; note: string }> {
  if (choice === "js") return { backend: jsBackend, note: "js" };
  try {
    const backend = await createWasmBackend({ threads: 1 });
    return { backend, note: backend.name };
  } catch (error) {
    if (choice === "wasm") throw error;
    return {
      backend: jsBackend,
      note: `js (wasm unavailable: ${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
