import { type Backend, wrapBackend } from "@backprop/tensor";
import type { ThreadTimes } from "@backprop/tensor-wasm";
import type { Awaitable, Callback } from "./callback.js";

/** The backend primitives a profile times, each call's wall time added to its own row. */
const TIMED = ["gemm", "elementwise", "reduce", "gatherRows", "read", "write", "allocate"] as const;
type Timed = (typeof TIMED)[number];

/** What each row of the profile stands for. */
const ROW_LABELS: Record<Timed | "checkpoint" | "other", string> = {
  gemm: "gemm (matrix products)",
  elementwise: "elementwise passes (activations, loss, optimizer, guard)",
  reduce: "reductions (bias gradients, log-sum-exp)",
  gatherRows: "batch gather",
  read: "reads to the CPU (metrics, loss)",
  write: "writes from the CPU (targets)",
  allocate: "allocation",
  checkpoint: "checkpoints (files)",
  other: "everything else (JavaScript: expressions, metrics, schedule, callbacks)",
};

/** The worker threads over the training: per worker, seconds running kernels and seconds with no work. */
export interface WorkerProfile {
  readonly busySeconds: readonly number[];
  readonly idleSeconds: readonly number[];
  /** Seconds the calling thread waited for a worker to finish a job's last chunk (inside the rows' calls). */
  readonly callerWaitingSeconds: number;
}

/**
 * The backend's `threadTimes()` (the wasm backend's), when it has worker threads; the backend is
 * probed rather than typed, as `threadsOf` does, so any backend may be profiled.
 */
function threadTimesOf(backend: Backend): (() => ThreadTimes) | undefined {
  const probe = (backend as { threadTimes?: unknown }).threadTimes;
  if (typeof probe !== "function") return undefined;
  const read = () => probe.call(backend) as ThreadTimes;
  return read().workerBusy.length > 0 ? read : undefined;
}

/** One row of the profile: where the time went, summed over the training. */
export interface ProfileRow {
  readonly label: string;
  readonly seconds: number;
  readonly calls: number;
}

/**
 * Times the training of a run (from `Trainer.fit`'s start to its end, `window`) by where the time
 * goes: every call of the backend's primitives (through `backend`, the given backend with its
 * primitives wrapped by `wrapBackend`; on a multi-threaded backend a call's time includes waiting
 * for the worker threads), the checkpoint callback's file writes, and the rest of the wall time; and,
 * on a backend with worker threads (`threadTimes()`), how long each worker ran kernels and how long
 * it had no work. Work outside the window (loading data, the final evaluation) is not counted. Used
 * by `backprop train --profile`.
 */
export class RunProfile {
  readonly backend: Backend;
  /** Marks the training's start and end: put it first among the callbacks. */
  readonly window: Callback;
  private readonly seconds = new Map<string, number>();
  private readonly calls = new Map<string, number>();
  private epochs = 0;
  private trainingSeconds = 0;
  private startedAt: number | undefined;
  private readonly threadTimes: (() => ThreadTimes) | undefined;
  private threadsAtStart: ThreadTimes | undefined;
  private readonly workerBusy: number[] = [];
  private callerWaiting = 0;

  constructor(inner: Backend) {
    this.threadTimes = threadTimesOf(inner);
    const timed = new Set<string>(TIMED);
    this.backend = wrapBackend(inner, (name, method) =>
      timed.has(name)
        ? (...args) => {
            const start = performance.now();
            try {
              return method(...args);
            } finally {
              this.add(name, (performance.now() - start) / 1000);
            }
          }
        : method,
    );
    this.window = {
      onTrainBegin: () => {
        this.startedAt = performance.now();
        this.threadsAtStart = this.threadTimes?.();
      },
      onEpochEnd: () => {
        this.epochs++;
      },
      onTrainEnd: () => {
        if (this.startedAt !== undefined) this.trainingSeconds += (performance.now() - this.startedAt) / 1000;
        this.startedAt = undefined;
        const [start, end] = [this.threadsAtStart, this.threadTimes?.()];
        if (start === undefined || end === undefined) return;
        end.workerBusy.forEach((busy, w) => {
          this.workerBusy[w] = (this.workerBusy[w] ?? 0) + busy - start.workerBusy[w]!;
        });
        this.callerWaiting += end.callerWaiting - start.callerWaiting;
      },
    };
  }

  /**
   * `checkpoint` with its file writes timed as "checkpoint": its key, state and every hook are
   * delegated to it (a class's hooks live on its prototype, so they cannot be copied by spreading).
   * A checkpoint written when training ends early falls after the window closes and is not counted.
   */
  timeCheckpoints(checkpoint: Callback): Callback {
    const timed = async <T>(work: () => Awaitable<T>): Promise<T> => {
      const start = performance.now();
      try {
        return await work();
      } finally {
        this.add("checkpoint", (performance.now() - start) / 1000);
      }
    };
    const { key, stateDict, loadStateDict } = checkpoint;
    return {
      ...(key === undefined ? {} : { key }),
      ...(stateDict === undefined ? {} : { stateDict: () => stateDict.call(checkpoint) }),
      ...(loadStateDict === undefined
        ? {}
        : { loadStateDict: (state) => loadStateDict.call(checkpoint, state) }),
      onTrainBegin: (context) => checkpoint.onTrainBegin?.(context),
      onEpochBegin: (epoch, context) => checkpoint.onEpochBegin?.(epoch, context),
      onBatchEnd: (logs, context) => checkpoint.onBatchEnd?.(logs, context),
      onEpochEnd: (logs, context) => timed(() => checkpoint.onEpochEnd?.(logs, context)),
      onTrainEnd: (result, context) => timed(() => checkpoint.onTrainEnd?.(result, context)),
    };
  }

  /** The rows, largest first, "everything else" being the training's time not spent in the others. */
  rows(): ProfileRow[] {
    const rows: ProfileRow[] = [...this.seconds].map(([key, seconds]) => ({
      label: ROW_LABELS[key as Timed | "checkpoint"],
      seconds,
      calls: this.calls.get(key) ?? 0,
    }));
    const measured = rows.reduce((total, row) => total + row.seconds, 0);
    rows.push({ label: ROW_LABELS.other, seconds: Math.max(0, this.trainingSeconds - measured), calls: 0 });
    return rows.sort((a, b) => b.seconds - a.seconds);
  }

  /**
   * The worker threads' time over the training (each worker idle for the training's time it did not
   * run kernels), or undefined on a backend without workers.
   */
  workers(): WorkerProfile | undefined {
    if (this.threadTimes === undefined) return undefined;
    return {
      busySeconds: [...this.workerBusy],
      idleSeconds: this.workerBusy.map((busy) => Math.max(0, this.trainingSeconds - busy)),
      callerWaitingSeconds: this.callerWaiting,
    };
  }

  /**
   * The table `backprop train --profile` prints: seconds, share of the training time, calls; then,
   * on a backend with worker threads, each worker's busy and idle time and the calling thread's wait.
   */
  table(): string {
    const total = this.trainingSeconds;
    const lines = [
      `profile of ${this.epochs} epoch${this.epochs === 1 ? "" : "s"} of training (${total.toFixed(2)} s, validation passes included):`,
      "  seconds   share  calls      where",
    ];
    for (const row of this.rows()) {
      const share = total > 0 ? (100 * row.seconds) / total : 0;
      lines.push(
        `  ${row.seconds.toFixed(3).padStart(7)}  ${share.toFixed(1).padStart(5)}%  ${String(row.calls || "").padStart(9)}  ${row.label}`,
      );
    }
    const workers = this.workers();
    if (workers === undefined) return lines.join("\n");
    const percent = (seconds: number) => `${(total > 0 ? (100 * seconds) / total : 0).toFixed(1)}%`;
    workers.busySeconds.forEach((busy, w) => {
      const idle = workers.idleSeconds[w]!;
      lines.push(
        `  worker thread ${w + 1}: running kernels ${busy.toFixed(3)} s (${percent(busy)}), idle ${idle.toFixed(3)} s (${percent(idle)})`,
      );
    });
    const waiting = workers.callerWaitingSeconds;
    lines.push(
      `  the calling thread waited ${waiting.toFixed(3)} s (${percent(waiting)}) for workers to finish a job's last chunk (within the rows' calls)`,
    );
    return lines.join("\n");
  }

  private add(key: string, seconds: number): void {
    if (this.startedAt === undefined) return;
    this.seconds.set(key, (this.seconds.get(key) ?? 0) + seconds);
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }
}
