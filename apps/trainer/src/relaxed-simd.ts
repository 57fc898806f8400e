import { setFlagsFromString } from "node:v8";
import { wasmRelaxedSimdSupported } from "@backprop/tensor-wasm";

/**
 * Switches on WebAssembly relaxed SIMD where this Node has it only behind a flag (Node 20:
 * `--experimental-wasm-relaxed-simd`, which Node refuses in NODE_OPTIONS), by setting the V8 flag
 * at run time, before the kernels are compiled; Node ≥ 22 has it on already. Returns whether relaxed
 * SIMD is available afterwards. The wasm backend then picks its relaxed (fused multiply-add) build.
 * The CLI calls it first thing; a program embedding the trainer may call it too.
 */
export function enableRelaxedSimd(): boolean {
  if (wasmRelaxedSimdSupported()) return true;
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return wasmRelaxedSimdSupported();
}
