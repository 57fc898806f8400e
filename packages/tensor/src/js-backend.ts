import type { Backend, CpuStorage, Storage } from "./backend.js";
import { allocateArray, type FloatArray } from "./dtype.js";
import { TensorError } from "./errors.js";
import { checkGatherRows } from "./gather.js";
import { createPackedGemm } from "./gemm-js.js";
import { BLOCK, runElementwise } from "./js-elementwise.js";
import { runReduce } from "./js-reduce.js";
import { ArrayStorage } from "./storage.js";

/** The typed array of a storage this backend made (or any CPU storage: the wasm backend's views). */
function arrayOf(storage: Storage): FloatArray {
  const data = (storage as Partial<CpuStorage>).data;
  if (data === undefined)
    throw new TensorError("js backend: storage has no CPU typed array (not from a CPU backend)");
  return data;
}

/**
 * The plain TypeScript backend: typed arrays on the JS heap, a register-tiled gemm, reductions and
 * the row gather as plain loops, and elementwise programs run by a blockwise interpreter
 * (js-elementwise.ts), all in float64 arithmetic. It runs everywhere and is the reference other backends are tested against.
 * Each backend value owns its scratch (gemm packing buffers, interpreter registers), reused across
 * calls, so two backends share nothing.
 */
export function createJsBackend(): Backend {
  const gemmStrided = createPackedGemm();
  let registers = new Float64Array(0);
  return {
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
    gatherRows(source, n, rows, out) {
      checkGatherRows(source, n, rows, out);
      const [from, to] = [arrayOf(source), arrayOf(out)];
      for (let r = 0; r < rows.length; r++) {
        const start = rows[r]! * n;
        const at = r * n;
        for (let j = 0; j < n; j++) to[at + j] = from[start + j]!;
      }
    },
    elementwise(program, m, n, inputs, scalars, outputs, sums) {
      const needed = program.registers * BLOCK;
      if (registers.length < needed) registers = new Float64Array(needed);
      runElementwise(program, m, n, inputs.map(arrayOf), scalars, outputs.map(arrayOf), sums, registers);
    },
  };
}

/** The default backend, used when none is given. */
export const jsBackend: Backend = Object.freeze(createJsBackend());
