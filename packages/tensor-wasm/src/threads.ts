import { Worker } from "node:worker_threads";
import { WasmBackendError } from "./errors.js";
import type { Heap } from "./heap.js";
import type { KernelExports } from "./kernels.js";

/**
 * Control block layout (a SharedArrayBuffer): Int32 [0] job generation, [1] exit flag, [2 + w] the
 * generation worker w finished last, [2 + W + w] its error flag; Float64 from byte ARGS: the gemm
 * arguments (10), then [i0, i1, scratch] per worker.
 */
const ARGS = 256;
const ARG_COUNT = 10;

/** The worker: instantiates the module on the shared memory, then runs gemm on its rows per job. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { module, memory, control, index, workers } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ints = new Int32Array(control);
const args = new Float64Array(control, ${ARGS});
const own = ${ARG_COUNT} + 3 * index;
let seen = 0;
parentPort.postMessage("ready");
for (;;) {
  Atomics.wait(ints, 0, seen);
  if (Atomics.load(ints, 1) !== 0) break;
  const job = Atomics.load(ints, 0);
  if (job === seen) continue;
  seen = job;
  try {
    if (args[own] < args[own + 1]) {
      kernels.gemmF32(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9],
        args[own], args[own + 1], args[own + 2]);
    }
  } catch {
    Atomics.store(ints, 2 + workers + index, 1);
  }
  Atomics.store(ints, 2 + index, job);
  Atomics.notify(ints, 2 + index);
}
`;

/** Below this many multiply-adds (m·n·k) a gemm stays on the calling thread: waking workers costs more. */
const MIN_PARALLEL_WORK = 1 << 16;

/**
 * gemm split across the calling thread and `threads − 1` worker threads by rows of C, in blocks of 4
 * rows. Every element C_ij is computed by the same instruction sequence whichever thread runs its row
 * (its own sum over p in order, per block of KC), so the result is identical for any thread count.
 * The calling thread blocks in Atomics.wait until the workers are done (Node allows that on the main
 * thread; browsers do not, which is one reason this is Node-only).
 */
export class GemmThreads {
  private readonly ints: Int32Array;
  private readonly args: Float64Array;
  private job = 0;
  private closed = false;

  private constructor(
    private readonly workers: Worker[],
    control: SharedArrayBuffer,
    private readonly kernels: KernelExports,
    private readonly heap: Heap,
  ) {
    this.ints = new Int32Array(control);
    this.args = new Float64Array(control, ARGS);
  }

  /** Starts `threads − 1` workers on the module and shared memory and waits until each is ready. */
  static async start(
    threads: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    kernels: KernelExports,
    heap: Heap,
  ): Promise<GemmThreads> {
    const count = threads - 1;
    const control = new SharedArrayBuffer(ARGS + 8 * (ARG_COUNT + 3 * count));
    const workers = Array.from(
      { length: count },
      (_, index) =>
        new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { module, memory, control, index, workers: count },
        }),
    );
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once("message", () => resolve());
            worker.once("error", (cause) =>
              reject(
                new WasmBackendError("createWasmBackend: a gemm worker thread failed to start", { cause }),
              ),
            );
          }),
      ),
    );
    for (const worker of workers) worker.unref();
    return new GemmThreads(workers, control, kernels, heap);
  }

  /** gemm over all rows of C (arguments as the kernel takes them; pointers are byte offsets). */
  gemm(
    tA: number,
    tB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    b: number,
    beta: number,
    c: number,
  ): void {
    if (this.closed) throw new WasmBackendError("gemm: the backend's worker threads were stopped by close()");
    const scratchBytes = this.kernels.gemmScratchBytes(n, k);
    const parts = m * n * k < MIN_PARALLEL_WORK ? 1 : Math.min(this.workers.length + 1, Math.floor(m / 4));
    if (parts <= 1) {
      this.kernels.gemmF32(tA, tB, m, n, k, alpha, a, b, beta, c, 0, m, this.heap.scratch(scratchBytes));
      return;
    }
    const rows = 4 * Math.ceil(m / 4 / parts);
    const scratch = Array.from({ length: parts }, (_, part) => this.heap.scratch(scratchBytes, part));
    this.args.set([tA, tB, m, n, k, alpha, a, b, beta, c]);
    for (let w = 0; w < this.workers.length; w++) {
      // Workers past the last part get the empty range [m, m) and skip the job.
      this.args.set(
        [Math.min(m, (w + 1) * rows), Math.min(m, (w + 2) * rows), scratch[w + 1] ?? 0],
        ARG_COUNT + 3 * w,
      );
    }
    const job = ++this.job;
    Atomics.store(this.ints, 0, job);
    Atomics.notify(this.ints, 0);
    this.kernels.gemmF32(tA, tB, m, n, k, alpha, a, b, beta, c, 0, Math.min(m, rows), scratch[0]!);
    let failed = false;
    for (let w = 0; w < this.workers.length; w++) {
      for (let seen = Atomics.load(this.ints, 2 + w); seen !== job; seen = Atomics.load(this.ints, 2 + w)) {
        Atomics.wait(this.ints, 2 + w, seen);
      }
      if (Atomics.exchange(this.ints, 2 + this.workers.length + w, 0) !== 0) failed = true;
    }
    if (failed) throw new WasmBackendError("gemm: a worker thread failed");
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    Atomics.store(this.ints, 1, 1);
    Atomics.notify(this.ints, 0);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
