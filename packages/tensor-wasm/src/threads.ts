import type { CompiledProgram } from "./elementwise.js";
import { WasmBackendError } from "./errors.js";
import type { Heap } from "./heap.js";
import type { KernelExports } from "./kernels.js";
import { type KernelWorker, mayBlock, startWorkers } from "./workers.js";

/**
 * Control block layout (a SharedArrayBuffer), Int32 slots on three cache lines, so that idle workers
 * spinning on the first do not slow the claims and counts on the others: the job generation workers
 * wait on and the exit flag; the next ticket to claim, the end of the current job's tickets and its
 * first ticket; the count of finished tickets and a failure flag. Float64 from byte SCRATCH_AT: the
 * scratch pointer of each worker.
 *
 * A job is a list of chunks (see runChunk in assembly/index.ts) numbered by tickets [first, end).
 * Tickets only ever grow (mod 2^32), so a claim is a compare-exchange of `next` from t to t + 1 while
 * t < end: a thread that claims ticket t knows its job is not finished (t is not done), so the job
 * descriptor it then reads is that job's, and a worker that wakes after a job has ended finds no
 * ticket and changes nothing.
 */
const GENERATION = 0;
const EXIT = 1;
const NEXT = 16;
const END = 17;
const FIRST = 18;
const DONE = 32;
const FAILED = 33;
const SCRATCH_AT = 192;

/**
 * The busy-time block (a SharedArrayBuffer of BigInt64, one cache line per worker so that no two
 * workers write the same line): at BigInt64 index BUSY_STRIDE·w, the nanoseconds worker w has spent
 * running chunks, stored by that worker alone after each job it took part in.
 */
const BUSY_STRIDE = 8;

/** Slots of a job descriptor (f64, in linear memory). */
const JOB_SLOTS = 16;
/**
 * Job kinds, slot 0 of a descriptor (as in assembly/index.ts). An elementwise job, [kind, program
 * descriptor, program id, code pointer, code length], runs in the program's own compiled module,
 * which each worker compiles from the code bytes the first time it meets the id.
 */
const JOB_GEMM = 0;
const JOB_ELEMENTWISE = 1;
const JOB_REDUCE = 2;
/** [kind, byte offset, bytes]: zeros written over the range, ZERO_CHUNK bytes a chunk, in JavaScript on every thread. */
const JOB_ZERO = 3;
/** Bytes a chunk of a JOB_ZERO writes. */
const ZERO_CHUNK = 1 << 20;
/**
 * [kind, source, row bytes, row indices, rows, out, rows a chunk]: Backend.gatherRows, each chunk
 * the kernels' gatherRows over its rows (on the workers' own instances of the kernels).
 */
const JOB_GATHER = 4;
/** The fewest bytes a chunk of a JOB_GATHER copies, so that a small batch is gathered on the calling thread alone. */
const MIN_GATHER_CHUNK_BYTES = 1 << 15;
/** Compiled programs a worker keeps; past it the oldest is dropped (and compiled again if it comes back). */
const WORKER_PROGRAMS = 512;
/** The backend op of each job kind, for error messages. */
const JOB_OPS: Record<number, string> = {
  [JOB_GEMM]: "gemm",
  [JOB_ELEMENTWISE]: "elementwise",
  [JOB_REDUCE]: "reduce",
  [JOB_ZERO]: "allocate",
  [JOB_GATHER]: "gatherRows",
};

/**
 * How long an idle worker spins on the job generation before it sleeps in Atomics.wait, and the
 * calling thread on the finished count: waking a sleeping thread costs tens of µs, and the next job
 * of a training step usually comes sooner. Bounded, so an idle backend does not burn a core.
 */
const SPIN_MS = 0.2;

/**
 * Writes zeros over chunk `chunk` of [at, at + bytes), chunks of `step` bytes (the last one shorter).
 * Like `claim`, it uses nothing but its arguments: the workers run its source text too.
 */
function zeroChunk(buffer: ArrayBufferLike, at: number, bytes: number, step: number, chunk: number): void {
  const start = at + chunk * step;
  new Uint8Array(buffer, start, Math.min(step, at + bytes - start)).fill(0);
}

/**
 * Copies chunk `chunk` of a gather (rows [chunk·step, chunk·step + step) of `rows`) with the kernels'
 * `gatherRows`. Like `claim`, it uses nothing but its arguments: the workers run its source text too.
 */
function gatherChunk(
  gatherRows: (source: number, rowBytes: number, indices: number, count: number, out: number) => void,
  source: number,
  rowBytes: number,
  indices: number,
  rows: number,
  out: number,
  step: number,
  chunk: number,
): void {
  const first = chunk * step;
  gatherRows(source, rowBytes, indices + 4 * first, Math.min(step, rows - first), out + first * rowBytes);
}

/**
 * A ticket of the current job, claimed from ints[next] while it is below ints[end], or −1 when none is
 * left. It uses nothing but its arguments and Atomics, because the workers run its source text too:
 * one implementation for both sides, and no eval on the calling thread (a page's CSP may forbid it).
 */
function claim(ints: Int32Array, next: number, end: number): number {
  for (;;) {
    const ticket = Atomics.load(ints, next);
    if (((Atomics.load(ints, end) - ticket) | 0) <= 0) return -1;
    if (Atomics.compareExchange(ints, next, ticket, (ticket + 1) | 0) === ticket) return ticket;
  }
}

/**
 * The worker's `start(data, post)` (see startWorkers): instantiates the module on the shared memory,
 * says it is ready, then runs the chunks it claims until told to exit.
 */
const WORKER_BODY = `
const claim = ${claim.toString()};
const zeroChunk = ${zeroChunk.toString()};
const gatherChunk = ${gatherChunk.toString()};
function start({ module, memory, control, busyTimes, index, job }, post) {
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const ints = new Int32Array(control);
  const busy = new BigInt64Array(busyTimes);
  let busyMs = 0;
  const scratch = new Float64Array(control, ${SCRATCH_AT});
  const slots = new Float64Array(memory.buffer, job, ${JOB_SLOTS});
  const programs = new Map();
  const program = (id, at, length) => {
    let run = programs.get(id);
    if (run === undefined) {
      const bytes = new Uint8Array(memory.buffer, at, length).slice();
      const imports = { env: { memory, laneUnary: kernels.laneUnary, lanePow: kernels.lanePow } };
      run = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports.run;
      if (programs.size >= ${WORKER_PROGRAMS}) programs.delete(programs.keys().next().value);
      programs.set(id, run);
    }
    return run;
  };
  const runChunk = (chunk) => {
    if (slots[0] === ${JOB_ELEMENTWISE}) program(slots[2], slots[3], slots[4])(slots[1], chunk);
    else if (slots[0] === ${JOB_ZERO}) zeroChunk(memory.buffer, slots[1], slots[2], ${ZERO_CHUNK}, chunk);
    else if (slots[0] === ${JOB_GATHER})
      gatherChunk(kernels.gatherRows, slots[1], slots[2], slots[3], slots[4], slots[5], slots[6], chunk);
    else kernels.runChunk(job, chunk, scratch[index]);
  };
  let seen = 0;
  post("ready");
  for (;;) {
    const until = performance.now() + ${SPIN_MS};
    while (Atomics.load(ints, ${GENERATION}) === seen && performance.now() < until);
    Atomics.wait(ints, ${GENERATION}, seen);
    if (Atomics.load(ints, ${EXIT}) !== 0) break;
    seen = Atomics.load(ints, ${GENERATION});
    let began = -1;
    let ended = -1;
    for (let ticket = claim(ints, ${NEXT}, ${END}); ticket !== -1; ticket = claim(ints, ${NEXT}, ${END})) {
      if (began < 0) began = performance.now();
      try {
        runChunk((ticket - Atomics.load(ints, ${FIRST})) | 0);
      } catch {
        Atomics.store(ints, ${FAILED}, 1);
      }
      // Before the chunk counts as done: the job's call is still running, so busy time lies inside calls.
      ended = performance.now();
      Atomics.add(ints, ${DONE}, 1);
      Atomics.notify(ints, ${DONE});
    }
    if (began >= 0) {
      busyMs += ended - began;
      Atomics.store(busy, ${BUSY_STRIDE} * index, BigInt(Math.round(busyMs * 1e6)));
    }
  }
}
`;

/** Where a backend's threads spent their time, in seconds since it started (`WasmBackend.threadTimes`). */
export interface ThreadTimes {
  /** Per worker thread: running chunks of kernels. The rest of its time it had no work. */
  readonly workerBusy: readonly number[];
  /** The calling thread: waiting for workers to finish the last chunks of a job (part of that job's call). */
  readonly callerWaiting: number;
}

/**
 * The fewest multiply-adds (m·n·k) in a chunk of gemm, so products under twice this run on the calling
 * thread alone: on smaller ones, moving operands and results between cores costs more than it saves.
 */
const MIN_CHUNK_WORK = 1 << 17;
/** Chunks per thread a job is cut into at most, so a thread that starts late (or is preempted) takes fewer. */
const CHUNKS_PER_THREAD = 4;

/**
 * Kernels split across the calling thread and `threads − 1` worker threads over shared memory: gemm
 * by blocks of columns of C (rows when C has few columns), elementwise programs by their fixed chunks
 * of elements, reductions by ranges of output lines, the zeroing of a large block by MiB. Every
 * thread claims chunks until none is left, so the work follows the threads that are running. Every
 * output element is computed by the same instruction sequence whichever chunk (and thread) it falls
 * in, and a program's sums are added per chunk then in chunk order, so results are identical for any
 * thread count. The workers are worker_threads in Node and Web Workers in a cross-origin-isolated
 * browser page. The calling thread waits for the last chunk in Atomics.wait where it may block (Node,
 * browser workers), and spinning on the count where it may not (a browser's main thread: by then it
 * has run its own chunks, so only those in flight are left).
 */
export class KernelThreads {
  private readonly ints: Int32Array;
  private readonly busy: BigInt64Array;
  /** Milliseconds the calling thread has waited for the workers' last chunks of its jobs. */
  private waitedMs = 0;
  private readonly scratchPointers: Float64Array;
  private readonly slots: Float64Array;
  private readonly canBlock = mayBlock();
  private closed = false;

  private constructor(
    private readonly workers: KernelWorker[],
    control: SharedArrayBuffer,
    busyTimes: SharedArrayBuffer,
    private readonly kernels: KernelExports,
    private readonly heap: Heap,
    private readonly job: number,
  ) {
    this.ints = new Int32Array(control);
    this.busy = new BigInt64Array(busyTimes);
    this.scratchPointers = new Float64Array(control, SCRATCH_AT);
    // A shared memory's buffer is never detached by growth, so this view stays valid.
    this.slots = new Float64Array(heap.memory.buffer, job, JOB_SLOTS);
  }

  /** Starts `threads − 1` workers on the module and shared memory and waits until each is ready. */
  static async start(
    threads: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    kernels: KernelExports,
    heap: Heap,
  ): Promise<KernelThreads> {
    const count = threads - 1;
    const control = new SharedArrayBuffer(SCRATCH_AT + 8 * count);
    const busyTimes = new SharedArrayBuffer(8 * BUSY_STRIDE * count);
    const job = heap.allocate(8 * JOB_SLOTS);
    const workers = await startWorkers(WORKER_BODY, count, (index) => ({
      module,
      memory,
      control,
      busyTimes,
      index,
      job,
    }));
    return new KernelThreads(workers, control, busyTimes, kernels, heap, job);
  }

  /** Threads that run chunks: the calling thread and the workers. */
  private get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * gemm over all of C (arguments as gemmF32 takes them; pointers are byte offsets), cut into blocks
   * of whole 8-column panels, so that each thread packs only the columns of op(B) it multiplies; into
   * blocks of rows (each packing all of op(B)) only when C has too few panels to go round.
   */
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
    const target = this.chunksFor(m * n * k, MIN_CHUNK_WORK);
    const panels = Math.ceil(n / 8);
    const colStep = 8 * Math.ceil(panels / Math.min(panels, target));
    const colChunks = Math.ceil(n / colStep);
    const rowStep = colChunks >= target ? m : 4 * Math.ceil(m / 4 / Math.ceil(target / colChunks));
    const chunks = colChunks * Math.ceil(m / rowStep);
    this.run(
      [JOB_GEMM, tA, tB, m, n, k, alpha, a, b, beta, c, rowStep, colStep],
      chunks,
      this.kernels.gemmScratchBytes(colStep, k),
    );
  }

  /**
   * The `chunks` fixed chunks of the compiled `program` over its descriptor at `descriptor`, shared
   * out to the threads; its module's bytes are at `codePointer` for the workers to compile.
   */
  elementwise(program: CompiledProgram, codePointer: number, descriptor: number, chunks: number): void {
    this.run(
      [JOB_ELEMENTWISE, descriptor, program.id, codePointer, program.bytes.length],
      chunks,
      0,
      (chunk) => program.run(descriptor, chunk),
    );
  }

  /** reduceF32 over all `lines` outputs, in chunks of `step` outputs. */
  reduce(
    kind: number,
    axis: number,
    m: number,
    n: number,
    x: number,
    beta: number,
    out: number,
    lines: number,
    step: number,
  ): void {
    this.run([JOB_REDUCE, kind, axis, m, n, x, beta, out, step], Math.ceil(lines / step));
  }

  /** Writes zeros over [ptr, ptr + bytes) of the shared memory, ZERO_CHUNK bytes a chunk, on every thread. */
  zero(ptr: number, bytes: number): void {
    const { memory } = this.heap;
    this.run([JOB_ZERO, ptr, bytes], Math.ceil(bytes / ZERO_CHUNK), 0, (chunk) =>
      zeroChunk(memory.buffer, ptr, bytes, ZERO_CHUNK, chunk),
    );
  }

  /**
   * Seconds since the start: per worker, spent running chunks (from its first claim of a job to the
   * end of its last chunk of it, so always within the job's call); and the calling thread's wait for
   * the workers' last chunks.
   */
  times(): ThreadTimes {
    return {
      workerBusy: this.workers.map((_, w) => Number(Atomics.load(this.busy, BUSY_STRIDE * w)) / 1e9),
      callerWaiting: this.waitedMs / 1000,
    };
  }

  /**
   * out row r ← source row (i32 at indices + 4r), `rowBytes` bytes each, for r < rows: the kernels'
   * gatherRows, in chunks of whole rows of at least MIN_GATHER_CHUNK_BYTES.
   */
  gatherRows(source: number, rowBytes: number, indices: number, rows: number, out: number): void {
    const chunks = this.chunksFor(rows * rowBytes, MIN_GATHER_CHUNK_BYTES);
    const step = Math.ceil(rows / chunks);
    const gather = this.kernels.gatherRows;
    this.run([JOB_GATHER, source, rowBytes, indices, rows, out, step], Math.ceil(rows / step), 0, (chunk) =>
      gatherChunk(gather, source, rowBytes, indices, rows, out, step, chunk),
    );
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    Atomics.store(this.ints, EXIT, 1);
    Atomics.add(this.ints, GENERATION, 1);
    Atomics.notify(this.ints, GENERATION);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** Chunks to cut `work` into: at most CHUNKS_PER_THREAD per thread, each at least `minimum`. */
  private chunksFor(work: number, minimum: number): number {
    return Math.max(1, Math.min(this.threads * CHUNKS_PER_THREAD, Math.floor(work / minimum)));
  }

  /**
   * Runs the job `slots` as `chunks` chunks (`runHere` runs one on the calling thread): on the
   * calling thread alone when there is one (or none), else published to the workers, with every
   * thread claiming chunks until none is left; returns when all are done. `scratchBytes` of scratch
   * per thread.
   */
  private run(
    slots: number[],
    chunks: number,
    scratchBytes = 0,
    runHere = (chunk: number, scratch: number) => this.kernels.runChunk(this.job, chunk, scratch),
  ): void {
    const op = JOB_OPS[slots[0]!];
    if (this.closed)
      throw new WasmBackendError(`${op}: the backend's worker threads were stopped by close()`);
    // Scratch first: an allocation may itself run a job (zeroFill), which would overwrite the slots.
    const own = scratchBytes === 0 ? 0 : this.heap.scratch(scratchBytes);
    if (chunks > 1 && scratchBytes !== 0) {
      for (let w = 0; w < this.workers.length; w++) {
        this.scratchPointers[w] = this.heap.scratch(scratchBytes, w + 1);
      }
    }
    this.slots.set(slots);
    if (chunks <= 1) {
      runHere(0, own);
      return;
    }
    const { ints } = this;
    const first = Atomics.load(ints, END);
    const end = (first + chunks) | 0;
    Atomics.store(ints, FIRST, first);
    Atomics.store(ints, END, end);
    Atomics.add(ints, GENERATION, 1);
    Atomics.notify(ints, GENERATION);
    let failure: unknown;
    for (let ticket = claim(ints, NEXT, END); ticket !== -1; ticket = claim(ints, NEXT, END)) {
      try {
        runHere((ticket - first) | 0, own);
      } catch (cause) {
        failure ??= cause;
      }
      Atomics.add(ints, DONE, 1);
    }
    const waitFrom = performance.now();
    const until = waitFrom + SPIN_MS;
    let done = Atomics.load(ints, DONE);
    while (done !== end && performance.now() < until) done = Atomics.load(ints, DONE);
    while (done !== end) {
      if (this.canBlock) Atomics.wait(ints, DONE, done);
      done = Atomics.load(ints, DONE);
    }
    this.waitedMs += performance.now() - waitFrom;
    if (Atomics.exchange(ints, FAILED, 0) !== 0 || failure !== undefined) {
      throw new WasmBackendError(`${op}: a kernel failed on one of the backend's threads`, {
        cause: failure,
      });
    }
  }
}
