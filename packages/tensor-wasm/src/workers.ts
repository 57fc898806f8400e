import { WasmBackendError } from "./errors.js";

/** What the kernel threads need of a started worker, Node's or the browser's. */
export interface KernelWorker {
  terminate(): unknown;
}

type NodeWorkerThreads = typeof import("node:worker_threads");

/**
 * Node's worker_threads, found through `process.getBuiltinModule` (Node ≥ 20.16) rather than an
 * import, so no `node:` module reaches a browser bundle; undefined outside Node.
 */
function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return runtime?.getBuiltinModule?.("node:worker_threads") as NodeWorkerThreads | undefined;
}

/**
 * Whether kernels can run on worker threads over shared memory here: in Node, and in a browser page
 * or worker that is cross-origin isolated (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`), which shared WebAssembly memory requires.
 */
export function workerThreadsAvailable(): boolean {
  if (typeof SharedArrayBuffer !== "function") return false;
  if (nodeWorkerThreads() !== undefined) return true;
  return typeof Worker === "function" && globalThis.crossOriginIsolated === true;
}

/** Whether this thread may block in Atomics.wait: Node's threads and browser workers may, a browser's main thread may not. */
export function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `count` workers running `body`, JavaScript that defines `start(data, post)`, each called
 * with `data(index)` and a function posting a message to this thread: worker_threads in Node, Web
 * Workers from a Blob URL in a browser. Resolves when every worker has posted its first message.
 */
export async function startWorkers(
  body: string,
  count: number,
  data: (index: number) => unknown,
): Promise<KernelWorker[]> {
  const node = nodeWorkerThreads();
  if (node !== undefined) {
    const source = `${body}
const { parentPort, workerData } = require("node:worker_threads");
start(workerData, (message) => parentPort.postMessage(message));`;
    const workers = Array.from(
      { length: count },
      (_, index) => new node.Worker(source, { eval: true, workerData: data(index) }),
    );
    await allReady(workers, (worker, _index, ready, failed) => {
      worker.once("message", ready);
      worker.once("error", failed);
    });
    for (const worker of workers) worker.unref();
    return workers;
  }
  const source = `${body}
self.onmessage = (event) => start(event.data, (message) => self.postMessage(message));`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    const workers = Array.from({ length: count }, () => new Worker(url));
    await allReady(workers, (worker, index, ready, failed) => {
      worker.addEventListener("message", ready, { once: true });
      worker.addEventListener("error", (event) => failed(new Error(event.message)), { once: true });
      worker.postMessage(data(index));
    });
    return workers;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Waits for every worker's first message; if one fails instead, stops them all and throws. */
async function allReady<W extends KernelWorker>(
  workers: W[],
  listen: (worker: W, index: number, ready: () => void, failed: (cause: unknown) => void) => void,
): Promise<void> {
  try {
    await Promise.all(
      workers.map(
        (worker, index) => new Promise<void>((ready, failed) => listen(worker, index, ready, failed)),
      ),
    );
  } catch (cause) {
    for (const worker of workers) worker.terminate();
    throw new WasmBackendError("createWasmBackend: a kernel worker thread failed to start", { cause });
  }
}
