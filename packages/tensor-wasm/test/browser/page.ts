/**
 * Bundled by test/browser.test.ts for Chromium, as the page's module script and as a module worker.
 * `gemmOn(threads)` runs workload.ts (a gemm, an elementwise pass with a sum, a reduction) on a wasm
 * backend asking for `threads` threads and reports what it ran on and the result's bits.
 */
import { createWasmBackend, workerThreadsAvailable } from "../../src/index.js";
import { workloadBits } from "./workload.js";

export interface GemmReport {
  threads: number;
  available: boolean;
  bits: number[];
}

async function gemmOn(threads: number): Promise<GemmReport> {
  const backend = await createWasmBackend({ relaxed: false, threads });
  const bits = workloadBits(backend);
  await backend.close();
  return { threads: backend.threads, available: workerThreadsAvailable(), bits };
}

if (typeof window === "undefined") {
  self.onmessage = async (event: MessageEvent<number>) => self.postMessage(await gemmOn(event.data));
} else {
  Object.assign(window, { gemmOn });
}
