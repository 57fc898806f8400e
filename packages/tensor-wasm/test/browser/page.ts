/**
 * Bundled by test/browser.test.ts for Chromium, as the page's module script and as a module worker.
 * `gemmOn(threads)` computes C = A·Bᵀ for A [128, 784] and B [256, 784] (N(0, 1), seeded) on a wasm
 * backend asking for `threads` threads and reports what it ran on and C's bits.
 */
import { fromArray, matmul, Rng, randomNormal } from "@backprop/tensor";
import { createWasmBackend, workerThreadsAvailable } from "../../src/index.js";

export interface GemmReport {
  threads: number;
  available: boolean;
  bits: number[];
}

async function gemmOn(threads: number): Promise<GemmReport> {
  const backend = await createWasmBackend({ relaxed: false, threads });
  const rng = new Rng(1);
  const a = fromArray(randomNormal([128, 784], rng).data, [128, 784], { backend });
  const b = fromArray(randomNormal([256, 784], rng).data, [256, 784], { backend });
  const c = matmul(a, b, { transposeB: true });
  const bits = Array.from(new Uint32Array(Float32Array.from(c.data).buffer));
  await backend.close();
  return { threads: backend.threads, available: workerThreadsAvailable(), bits };
}

if (typeof window === "undefined") {
  self.onmessage = async (event: MessageEvent<number>) => self.postMessage(await gemmOn(event.data));
} else {
  Object.assign(window, { gemmOn });
}
