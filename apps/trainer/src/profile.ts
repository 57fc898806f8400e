import { type Backend, wrapBackend } from "@backprop/tensor";
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
 * for the worker threads), the checkpoint callback's file writes, and the rest of the wall time. Work outside the
 * window (loading data, the final evaluation) is not counted. Used by `backprop train --profile`.
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

  constructor(inner: Backend) {
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
      },
      onEpochEnd: () => {
        this.epochs++;
      },
      onTrainEnd: () => {
        if (this.startedAt !== undefined) this.trainingSeconds += (performance.now() - this.startedAt) / 1000;
        this.startedAt = undefined;
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

  /** The table `backprop train --profile` prints: seconds, share of the training time, calls. */
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
    return lines.join("\n");
  }

  private add(key: string, seconds: number): void {
    if (this.startedAt === undefined) return;
    this.seconds.set(key, (this.seconds.get(key) ?? 0) + seconds);
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }
}
