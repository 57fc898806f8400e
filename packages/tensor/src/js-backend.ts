import type { Backend } from "./backend.js";
import { allocateArray } from "./dtype.js";
import type { FusedOps } from "./fused.js";
import { createPackedGemm } from "./gemm-js.js";
import { createJsFusedOps } from "./js-fused.js";
import { ArrayStorage } from "./storage.js";

/** The plain TypeScript backend: the `Backend` kernels plus the fused training kernels. */
export type JsBackend = Backend & FusedOps;

/**
 * The plain TypeScript backend: typed arrays on the JS heap, a register-tiled gemm, plain loops.
 * It runs everywhere, in float32 and float64, and is the reference other backends are tested against.
 * Each backend value owns its gemm packing buffers (reused across calls), so two backends share nothing.
 */
export function createJsBackend(): JsBackend {
  const gemmStrided = createPackedGemm();
  return {
    ...createJsFusedOps(),
    name: "js",
    allocate: (dtype, length) => new ArrayStorage(allocateArray(dtype, length)),
    gemm(transposeA, transposeB, m, n, k, alpha, a, b, beta, c) {
      const rsA = transposeA ? 1 : k;
      const csA = transposeA ? m : 1;
      const rsB = transposeB ? 1 : n;
      const csB = transposeB ? k : 1;
      gemmStrided(m, n, k, alpha, a.data, rsA, csA, b.data, rsB, csB, beta, c.data);
    },
    addRowVector(m, n, x, v, out) {
      const xs = x.data;
      const vs = v.data;
      const os = out.data;
      for (let i = 0; i < m; i++) {
        const row = i * n;
        for (let j = 0; j < n; j++) os[row + j] = xs[row + j]! + vs[j]!;
      }
    },
    sumRows(m, n, x, beta, out) {
      const xs = x.data;
      const os = out.data;
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let i = 0; i < m; i++) sum += xs[i * n + j]!;
        os[j] = beta === 0 ? sum : beta * os[j]! + sum;
      }
    },
  };
}

/** The default backend, used when none is given. Immutable: it holds no state. */
export const jsBackend: JsBackend = Object.freeze(createJsBackend());
