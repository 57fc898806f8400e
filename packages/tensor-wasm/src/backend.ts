import {
  type Backend,
  checkGatherRows,
  createJsBackend,
  type DType,
  DTypeError,
  type ReduceKind,
  type Storage,
} from "@backprop/tensor";
import { ProgramRunner } from "./elementwise.js";
import { WasmBackendError } from "./errors.js";
import { Heap } from "./heap.js";
import {
  instantiateKernels,
  instantiateSharedKernels,
  type KernelExports,
  type KernelVariant,
  variantSupported,
} from "./kernels.js";
import { CHUNK } from "./program-module.js";
import { HeapStorage, type WasmStorage } from "./storage.js";
import type { KernelThreads, ThreadTimes } from "./threads.js";
import { workerThreadsAvailable } from "./workers.js";

/** Options of `createWasmBackend`: the relaxed-SIMD build and the thread count. */
export interface WasmBackendOptions {
  /**
   * Use the relaxed-SIMD build (f32x4.relaxed_madd, a fused multiply-add: faster, and its gemm rounds
   * once per multiply-add instead of twice). "auto" (default) uses it when the runtime validates it,
   * true requires it (throws otherwise), false never uses it.
   */
  relaxed?: boolean | "auto";
  /**
   * Threads the float32 kernels run on: the calling thread plus `threads − 1` workers (worker_threads
   * in Node, Web Workers in a browser) over a shared WebAssembly.Memory. gemm is cut into blocks of C,
   * elementwise programs into fixed chunks of 8192 elements, reductions into ranges of rows or
   * columns and a batch gather into ranges of rows, which the threads share out. Results are identical for every thread count (each element
   * is computed the same way whichever thread computes it, and sums are added chunk by chunk in
   * chunk order). A browser page must be cross-origin isolated for shared
   * memory; where it is not (see `workerThreadsAvailable`), the backend runs on one thread and its
   * `threads` says 1. Default 1.
   */
  threads?: number;
}

/** A Backend whose tensors live in WebAssembly linear memory. */
export interface WasmBackend extends Backend {
  readonly name: "wasm-simd" | "wasm-relaxed-simd";
  /** Zero-filled storage of `length` elements in this backend's linear memory. */
  allocate(dtype: DType, length: number): WasmStorage;
  /** Threads the float32 kernels run on (1 where worker threads are not available, whatever was asked). */
  readonly threads: number;
  /**
   * Where the threads' time went since the backend started: each worker's seconds running chunks (the
   * rest of its time it had no work: the calling thread was running JavaScript, or a job too small
   * to split), and the calling thread's seconds waiting for a worker to finish a job's last chunk.
   * With one thread: no workers, and no wait.
   */
  threadTimes(): ThreadTimes;
  /** Frees a storage of this backend now rather than when it is garbage-collected. */
  dispose(storage: Storage): void;
  /** Linear-memory bytes, bytes handed out to storages and scratch, and bytes waiting on free lists. */
  memoryStats(): { memoryBytes: number; liveBytes: number; freeBytes: number };
  /**
   * Stops the worker threads (threads > 1); a float32 gemm, elementwise program or reduction
   * afterwards throws. A no-op with one thread.
   */
  close(): Promise<void>;
}

/** Reduce kinds by the number assembly/reduce.ts knows them by. */
const REDUCE_KINDS: readonly ReduceKind[] = ["sum", "max", "logsumexp"];

/** Throws unless elements [offset, offset + count) lie inside a storage of `length` elements. */
function checkRange(op: string, length: number, offset: number, count: number): void {
  if (!(Number.isInteger(offset) && offset >= 0 && offset + count <= length)) {
    throw new WasmBackendError(
      `${op}: elements [${offset}, ${offset + count}) are outside the storage's ${length} elements`,
    );
  }
}

/** The variant `relaxed` asks for, or an error saying why it cannot be had. */
function chooseVariant(relaxed: boolean | "auto"): KernelVariant {
  if (relaxed !== false && variantSupported("relaxed")) return "relaxed";
  if (relaxed === true) {
    throw new WasmBackendError(
      "createWasmBackend: relaxed SIMD is not available in this runtime (on Node 20 run node with --experimental-wasm-relaxed-simd)",
    );
  }
  if (!variantSupported("simd")) {
    throw new WasmBackendError(
      "createWasmBackend: WebAssembly SIMD is not available in this runtime; use jsBackend from @backprop/tensor",
    );
  }
  return "simd";
}

/**
 * Creates a backend that keeps tensors in its own WebAssembly memory and runs the kernels of
 * assembly/ on them in place (no copies): a packed, register-blocked f32x4 gemm for every transpose
 * case, f32x4 reductions (sum in float64, max, stable log-sum-exp), and elementwise programs each
 * compiled at first use to its own WebAssembly function in f32x4 (program-module.ts). float32
 * programs compute in float32; anything with a float64 storage runs the JS backend's code on this
 * memory's views, so it gives exactly the JS backend's results. Storages from another backend are rejected (copy them in
 * with `fromArray(t.read(), t.shape, { backend })`).
 *
 * Each call instantiates its own module and memory; nothing is shared between backends.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const { relaxed = "auto" } = options;
  const asked = options.threads ?? 1;
  if (!Number.isInteger(asked) || asked < 1) {
    throw new WasmBackendError(`createWasmBackend: threads must be an integer ≥ 1, got ${asked}`);
  }
  const threads = workerThreadsAvailable() ? asked : 1;
  const variant = chooseVariant(relaxed);
  let kernels: KernelExports;
  let heap: Heap;
  let pool: KernelThreads | undefined;
  if (threads === 1) {
    kernels = await instantiateKernels(variant);
    heap = new Heap(kernels.memory, kernels.heapBase());
  } else {
    const shared = await instantiateSharedKernels(variant);
    kernels = shared.kernels;
    heap = new Heap(shared.memory, kernels.heapBase());
    // Loaded only here: one-thread backends never evaluate the workers' source.
    const { KernelThreads } = await import("./threads.js");
    pool = await KernelThreads.start(threads, shared.module, shared.memory, kernels, heap);
    heap.zeroFill = pool.zero.bind(pool);
  }
  // float64 work runs the JS reference on this memory's typed-array views (its own scratch).
  const reference = createJsBackend();
  const programs = new ProgramRunner(kernels, heap, pool?.elementwise.bind(pool));

  /** The storage as this backend's, or an error naming the op and what was passed. */
  const mine = (op: string, storage: Storage): HeapStorage => {
    if (!(storage instanceof HeapStorage) || storage.heap !== heap) {
      throw new WasmBackendError(
        `${op}: storage is not from this wasm backend; copy it in with fromArray(t.data, t.shape, { backend })`,
      );
    }
    return storage;
  };
  /** `mine`, and not disposed. */
  const own = (op: string, storage: Storage): HeapStorage => {
    const checked = mine(op, storage);
    if (checked.isDisposed) throw new WasmBackendError(`${op}: storage was disposed`);
    return checked;
  };
  /**
   * Byte offsets of the storages after checking that they are ours, share `dtype` and hold at least
   * `sizes[i]` elements (a kernel given a wrong size would otherwise write over other tensors).
   */
  const pointers = (op: string, dtype: DType, sizes: number[], ...storages: Storage[]): number[] =>
    storages.map((s, i) => {
      const storage = own(op, s);
      if (storage.dtype !== dtype)
        throw new DTypeError(`${op}: dtypes differ: ${dtype} and ${storage.dtype}`);
      if (storage.length < sizes[i]!) {
        throw new WasmBackendError(
          `${op}: operand ${i} holds ${storage.length} elements, the op needs ${sizes[i]}`,
        );
      }
      return storage.byteOffset;
    });

  const backend: WasmBackend = {
    name: variant === "relaxed" ? "wasm-relaxed-simd" : "wasm-simd",
    threads,
    allocate: (dtype, length) => new HeapStorage(heap, dtype, length),
    dispose: (storage) => mine("dispose", storage).dispose(),
    memoryStats: () => heap.stats(),
    threadTimes: () => pool?.times() ?? { workerBusy: [], callerWaiting: 0 },
    close: async () => {
      heap.zeroFill = undefined;
      await pool?.close();
    },

    gemm(transposeA, transposeB, m, n, k, alpha, a, b, beta, c) {
      const [pa, pb, pc] = pointers("gemm", c.dtype, [m * k, k * n, m * n], a, b, c) as [
        number,
        number,
        number,
      ];
      if (c.dtype === "float64") {
        reference.gemm(transposeA, transposeB, m, n, k, alpha, a, b, beta, c);
        return;
      }
      if (m === 0 || n === 0) return;
      const [tA, tB] = [transposeA ? 1 : 0, transposeB ? 1 : 0];
      if (pool !== undefined) pool.gemm(tA, tB, m, n, k, alpha, pa, pb, beta, pc);
      else
        kernels.gemmF32(
          tA,
          tB,
          m,
          n,
          k,
          alpha,
          pa,
          pb,
          beta,
          pc,
          0,
          m,
          0,
          n,
          heap.scratch(kernels.gemmScratchBytes(n, k)),
        );
    },
    read(storage, offset, out) {
      const data = own("read", storage).data;
      checkRange("read", data.length, offset, out.length);
      out.set(data.subarray(offset, offset + out.length));
    },
    write(storage, offset, values) {
      const data = own("write", storage).data;
      checkRange("write", data.length, offset, values.length);
      data.set(values, offset);
    },
    reduce(kind, axis, m, n, x, beta, out) {
      const kindCode = REDUCE_KINDS.indexOf(kind);
      if (kindCode < 0) throw new WasmBackendError(`reduce: unknown kind ${String(kind)}`);
      if (axis !== 0 && axis !== 1) throw new WasmBackendError(`reduce: axis must be 0 or 1, got ${axis}`);
      if (beta !== 0 && kind !== "sum")
        throw new WasmBackendError(`reduce: beta must be 0 for ${kind}, got ${beta}`);
      const lines = axis === 0 ? n : m;
      const [px, po] = pointers("reduce", x.dtype, [m * n, lines], x, out) as [number, number];
      if (out.dtype !== x.dtype) throw new DTypeError(`reduce: dtypes differ: ${x.dtype} and ${out.dtype}`);
      if (x.dtype === "float64") {
        reference.reduce(kind, axis, m, n, x, beta, out);
        return;
      }
      if (lines === 0) return;
      if (pool === undefined) {
        kernels.reduceF32(kindCode, axis, m, n, px, beta, po, 0, lines);
        return;
      }
      // Fixed chunks of whole lines (whole f32x4 column groups on axis 0), about CHUNK elements each.
      const count = Math.max(1, axis === 0 ? m : n);
      const step =
        axis === 0 ? 4 * Math.max(1, Math.floor(CHUNK / count / 4)) : Math.max(1, Math.floor(CHUNK / count));
      pool.reduce(kindCode, axis, m, n, px, beta, po, lines, step);
    },
    gatherRows(source, n, rows, out) {
      const [from, to] = [own("gatherRows", source), own("gatherRows", out)];
      checkGatherRows(from, n, rows, to);
      if (rows.length === 0 || n === 0) return;
      const indices = heap.scratch(4 * rows.length, "gather");
      new Int32Array(heap.memory.buffer, indices, rows.length).set(rows);
      const rowBytes = n * (from.dtype === "float32" ? 4 : 8);
      if (pool !== undefined) pool.gatherRows(from.byteOffset, rowBytes, indices, rows.length, to.byteOffset);
      else kernels.gatherRows(from.byteOffset, rowBytes, indices, rows.length, to.byteOffset);
    },
    elementwise(given, m, n, inputs, scalars, outputs, sums) {
      const program = programs.check(given, inputs.length, scalars.length, outputs.length, sums.length);
      const total = m * n;
      let float32 = true;
      const sizes = { full: total, row: n, column: m };
      const inputPointers = inputs.map((input, i) => {
        const storage = own("elementwise", input);
        const needed = sizes[program.inputs[i]!];
        if (storage.length < needed) {
          throw new WasmBackendError(
            `elementwise: input ${i} (${program.inputs[i]}) holds ${storage.length} elements, the m×n = ${m}×${n} space needs ${needed}`,
          );
        }
        if (storage.dtype !== "float32") float32 = false;
        return storage.byteOffset;
      });
      const outputPointers = outputs.map((output, o) => {
        const storage = own("elementwise", output);
        if (storage.length < total) {
          throw new WasmBackendError(
            `elementwise: output ${o} holds ${storage.length} elements, the m×n = ${m}×${n} space needs ${total}`,
          );
        }
        if (storage.dtype !== "float32") float32 = false;
        return storage.byteOffset;
      });
      if (float32) programs.run(program, m, n, inputPointers, scalars, outputPointers, sums);
      else reference.elementwise(program, m, n, inputs, scalars, outputs, sums);
    },
  };
  return backend;
}
