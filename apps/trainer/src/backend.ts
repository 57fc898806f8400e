import { availableParallelism } from "node:os";
import { type Backend, jsBackend } from "@backprop/tensor";
import { createWasmBackend, wasmSimdSupported } from "@backprop/tensor-wasm";
import { describeError, TrainerError } from "./errors.js";

/** The most threads `--threads auto` starts: beyond that a 128-row batch's gemm has too little to split. */
const MAX_AUTO_THREADS = 8;

/**
 * The compute backend `--backend` names: "js" (plain TypeScript, runs everywhere), "wasm"
 * (WebAssembly SIMD; an error where the runtime lacks SIMD) or "auto" (wasm where available, else js).
 * The wasm backend runs on `threads` threads ("auto": one per core, at most 8); the js backend on one.
 * Its kernel build is relaxed SIMD (fused multiply-add) where the runtime has it, unless `exact`
 * names the build a run recorded ("wasm-simd", "wasm-relaxed-simd"), which a resume must use.
 */
export async function createBackend(
  name: "auto" | "js" | "wasm",
  threads: number | "auto" = "auto",
  exact?: string,
): Promise<Backend> {
  if (name === "js" || (name === "auto" && !wasmSimdSupported())) return jsBackend;
  try {
    return await createWasmBackend({
      threads: threads === "auto" ? Math.min(availableParallelism(), MAX_AUTO_THREADS) : threads,
      relaxed: exact === "wasm-simd" ? false : exact === "wasm-relaxed-simd" ? true : "auto",
    });
  } catch (error) {
    if (name === "auto") return jsBackend;
    throw new TrainerError(`--backend wasm is not available here: ${describeError(error)}; use --backend js`);
  }
}

/** The threads a backend computes on (1 unless it says otherwise, as the wasm backend does). */
export function threadsOf(backend: Backend): number {
  const threads = (backend as { threads?: unknown }).threads;
  return typeof threads === "number" ? threads : 1;
}
