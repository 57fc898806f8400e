import { type Backend, type DType, fromArray, Rng, randomNormal, type Tensor } from "@backprop/tensor";
import { createWasmBackend, type WasmBackend } from "./backend.js";
import { wasmRelaxedSimdSupported } from "./kernels.js";

/** One backend per kernel build this runtime can run (the vitest config enables relaxed SIMD). */
export async function wasmBackends(): Promise<WasmBackend[]> {
  const backends = [await createWasmBackend({ relaxed: false })];
  if (wasmRelaxedSimdSupported()) backends.push(await createWasmBackend({ relaxed: true }));
  return backends;
}

/** A seeded N(0, 1) tensor on `backend`. */
export function normal(shape: number[], seed: number, backend: Backend, dtype: DType = "float32"): Tensor {
  const t = randomNormal(shape, new Rng(seed), { dtype });
  return fromArray(t.data, shape, { backend });
}

/** The same elements on another backend. */
export function moveTo(t: Tensor, backend: Backend): Tensor {
  return fromArray(t.data, t.shape, { backend });
}

/** Every (transposeA, transposeB) combination a gemm test runs. */
export const TRANSPOSE_CASES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;
