import { type Backend, jsBackend } from "@backprop/tensor";
import { createWasmBackend, wasmSimdSupported } from "@backprop/tensor-wasm";
import { describeError, TrainerError } from "./errors.js";

/**
 * The compute backend `--backend` names: "js" (plain TypeScript, runs everywhere), "wasm"
 * (WebAssembly SIMD; an error where the runtime lacks SIMD) or "auto" (wasm where available, else js).
 */
export async function createBackend(name: "auto" | "js" | "wasm"): Promise<Backend> {
  if (name === "js" || (name === "auto" && !wasmSimdSupported())) return jsBackend;
  try {
    return await createWasmBackend();
  } catch (error) {
    if (name === "auto") return jsBackend;
    throw new TrainerError(`--backend wasm is not available here: ${describeError(error)}; use --backend js`);
  }
}
