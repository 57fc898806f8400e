import type { Backend, CpuStorage, Storage } from "./backend.js";
import { allocateArray, type FloatArray } from "./dtype.js";
import { TensorError } from "./errors.js";
import type { FusedOps } from "./fused.js";
import { createPackedGemm } from "./gemm-js.js";
import { BLOCK, runElementwise } from "./js-elementwise.js";
import { createJsFusedOps } from "./js-fused.js";
import { runReduce } from "./js-reduce.js";
import { ArrayStorage } from "./storage.js";

/**
 * The plain TypeScript backend. (Until the packages above tensor have moved to expressions it also
 * carries the old fused kernels and `addRowVector` / `sumRows`; they go when nothing uses them.)
 */
export type JsBackend = Backend &
  FusedOps & {
    addRowVector(m: number, n: number, x: Storage, v: Storage, out: Storage): void;
    sumRows(m: number, n: number, x: Storage, beta: number, out: Storage): void;
  };

/** The typed array of a storage this backend made (or any CPU storage: the wasm backend's views). */
function arrayOf(storage: Storage): FloatArray {
  const data = (storage as Partial<CpuStorage>).data;
  if (data === undefined)
    throw new TensorError("js backend: storage has no CPU typed array (not from a CPU backend)");
  return data;
}

/**
 * The plain TypeScript backend: typed arrays on the JS heap, a register-tiled gemm, reductions as
 * plain loops and elementwise programs run by a blockwise interpreter (js-elementwise.ts), all in
 * float64 arithmetic. It runs everywhere and is the reference other backends are tested against.
 * Each backend value owns its scratch (gemm packing buffers, interpreter registers), reused across
 * calls, so two backends share nothing.
 */
export function createJsBackend(): JsBackend {
  const gemmStrided = createPackedGemm();
  let registers = new Float64Array(0);
  const backend: JsBackend = {
    ...createJsFusedOps(),
    name: "js",
    allocate: (dtype, length) => new ArrayStorage(allocateArray(dtype, length)),
    read(storage, offset, out) {
      out.set(arrayOf(storage).subarray(offset, offset + out.length));
    },
    write(storage, offset, values) {
      arrayOf(storage).set(values, offset);
    },
    gemm(transposeA, transposeB, m, n, k, alpha, a, b, beta, c) {
      const rsA = transposeA ? 1 : k;
      const csA = transposeA ? m : 1;
      const rsB = transposeB ? 1 : n;
      const csB = transposeB ? k : 1;
      gemmStrided(m, n, k, alpha, arrayOf(a), rsA, csA, arrayOf(b), rsB, csB, beta, arrayOf(c));
    },
    reduce(kind, axis, m, n, x, beta, out) {
      if (beta !== 0 && kind !== "sum")
        throw new TensorError(`reduce: beta must be 0 for ${kind}, got ${beta}`);
      runReduce(kind, axis, m, n, arrayOf(x), beta, arrayOf(out));
    },
    elementwise(program, m, n, inputs, scalars, outputs, sums) {
      const needed = program.registers * BLOCK;
      if (registers.length < needed) registers = new Float64Array(needed);
      runElementwise(program, m, n, inputs.map(arrayOf), scalars, outputs.map(arrayOf), sums, registers);
    },
    addRowVector(m, n, x, v, out) {
      const xs = arrayOf(x);
      const vs = arrayOf(v);
      const os = arrayOf(out);
      for (let i = 0; i < m; i++) {
        const row = i * n;
        for (let j = 0; j < n; j++) os[row + j] = xs[row + j]! + vs[j]!;
      }
    },
    sumRows(m, n, x, beta, out) {
      backend.reduce("sum", 0, m, n, x, beta, out);
    },
  };
  return backend;
}

/** The default backend, used when none is given. */
export const jsBackend: JsBackend = Object.freeze(createJsBackend());
