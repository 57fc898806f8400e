import type { LrSchedule } from "@backprop/optimizers";
import type { Tensor } from "@backprop/tensor";
import type { BatchLogs, Callback, CallbackState, FitResult, TrainingContext } from "./callback.js";
import { TrainerError } from "./errors.js";
import { formatDuration, formatLogs, formatValue, relabel } from "./format.js";
import type { EpochLogs } from "./history.js";
import { risesWhenBetter } from "./metrics.js";
import { ProgressBar, type ProgressBarOptions, type ProgressStream } from "./progress.js";

/** Whether a monitored quantity should fall ("min", losses) or rise ("max", accuracies); "auto" guesses from its name. */
export type MonitorMode = "min" | "max" | "auto";

function resolveMode(monitor: string, mode: MonitorMode): "min" | "max" {
  if (mode !== "auto") return mode;
  return risesWhenBetter(monitor) ? "max" : "min";
}

function monitored(logs: EpochLogs, monitor: string, who: string): number {
  const value = logs[monitor];
  if (typeof value !== "number") {
    const known = Object.keys(logs).join(", ");
    throw new TrainerError(`${who}: the epoch logs have no "${monitor}" to monitor (they have ${known})`);
  }
  return value;
}

/**
 * Prints training progress: a progress bar per epoch (loss, metrics, samples/s, ETA) redrawn in
 * place on a terminal, plain lines otherwise, and one summary line per epoch:
 * `epoch 3/10  loss 0.1234  accuracy 0.9612  val_loss 0.1456  val_accuracy 0.9550  lr 1.00e-3  2.1s  3,810 samples/s`.
 */
export class ProgressLogger implements Callback {
  private readonly bar: ProgressBar;
  private readonly stream: ProgressStream;
  private readonly labels: Readonly<Record<string, string>>;

  /** `labels` renames logged keys on screen (e.g. `loss` → `smoothed_loss` under label smoothing). */
  constructor(options: ProgressBarOptions & { labels?: Readonly<Record<string, string>> | undefined }) {
    this.bar = new ProgressBar(options);
    this.stream = options.stream;
    this.labels = options.labels ?? {};
  }

  onEpochBegin(epoch: number, context: TrainingContext): void {
    this.bar.start(`epoch ${epoch + 1}/${context.epochs}`, context.batchesPerEpoch);
  }

  onBatchEnd(logs: BatchLogs): void {
    this.bar.update({
      batches: logs.batchesDone,
      samples: logs.samplesDone,
      logs: relabel(logs.running, this.labels),
    });
  }

  onEpochEnd(logs: EpochLogs, context: TrainingContext): void {
    const { epoch, step, time, samplesPerSecond, ...values } = logs;
    const extras = [
      formatDuration(time ?? Number.NaN),
      `${Math.round(samplesPerSecond ?? 0).toLocaleString("en-US")} samples/s`,
    ];
    this.bar.end(
      `epoch ${epoch}/${context.epochs}  ${formatLogs(relabel(values, this.labels))}  ${extras.join("  ")}`,
    );
  }

  /** Clears the bar; says why when a callback stopped training early (other endings are the caller's to report). */
  onTrainEnd(result: FitResult): void {
    this.bar.clear();
    if (result.status === "stopped" && result.reason !== undefined) this.stream.write(`${result.reason}\n`);
  }
}

/** Options of `EarlyStopping`: the monitored log, the direction, the patience, the least improvement, and restoring the best weights. */
export interface EarlyStoppingOptions {
  /** The epoch-log key to watch (default "val_loss"). */
  monitor?: string | undefined;
  /** "auto" (default) watches losses for a fall and accuracies / r2 for a rise. */
  mode?: MonitorMode | undefined;
  /** Epochs without improvement before stopping (default 5). */
  patience?: number | undefined;
  /** Least change that counts as an improvement (default 0). */
  minDelta?: number | undefined;
  /** At the end of training, put back the weights of the best epoch (default true). */
  restoreBestWeights?: boolean | undefined;
}

/**
 * Stops training when the monitored quantity has not improved for `patience` epochs (Keras'
 * EarlyStopping). With `restoreBestWeights`, it keeps a copy of the best epoch's weights and puts it
 * back into the model when training ends (unless it was interrupted, which leaves the current
 * weights for resuming). Its state, the best weights included, is saved in checkpoints.
 */
export class EarlyStopping implements Callback {
  readonly key = "early_stopping";
  readonly monitor: string;
  readonly mode: "min" | "max";
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  private best = Number.NaN;
  private bestEpoch = 0;
  private wait = 0;
  private bestWeights: Map<string, Tensor> | undefined;

  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = options.monitor ?? "val_loss";
    this.mode = resolveMode(this.monitor, options.mode ?? "auto");
    this.patience = options.patience ?? 5;
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.restoreBestWeights = options.restoreBestWeights ?? true;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new TrainerError(`EarlyStopping: patience must be an integer ≥ 0, got ${this.patience}`);
    }
  }

  /** The best value seen and its (1-based) epoch. */
  get bestValue(): { value: number; epoch: number } {
    return { value: this.best, epoch: this.bestEpoch };
  }

  private improved(value: number): boolean {
    if (Number.isNaN(this.best)) return !Number.isNaN(value);
    return this.mode === "min" ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  onEpochEnd(logs: EpochLogs, context: TrainingContext): void {
    const value = monitored(logs, this.monitor, "EarlyStopping");
    if (this.improved(value)) {
      this.best = value;
      this.bestEpoch = logs.epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.snapshot(context);
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      context.stopTraining(
        `early stopping: ${this.monitor} has not improved for ${this.wait} epochs (best ${formatValue(this.best)} at epoch ${this.bestEpoch})`,
      );
    }
  }

  onTrainEnd(result: FitResult, context: TrainingContext): void {
    if (!this.restoreBestWeights || this.bestWeights === undefined || result.status === "interrupted") return;
    for (const p of context.model.parameters()) {
      const saved = this.bestWeights.get(p.name);
      if (saved !== undefined) p.value.write(saved.read());
    }
  }

  stateDict(): CallbackState {
    const json = {
      best: Number.isNaN(this.best) ? null : this.best,
      bestEpoch: this.bestEpoch,
      wait: this.wait,
    };
    return {
      json,
      tensors: this.bestWeights === undefined ? undefined : Object.fromEntries(this.bestWeights),
    };
  }

  loadStateDict(state: CallbackState): void {
    const json = state.json as { best?: unknown; bestEpoch?: unknown; wait?: unknown } | null;
    const best = json?.best;
    if (
      (best !== null && typeof best !== "number") ||
      typeof json?.bestEpoch !== "number" ||
      typeof json.wait !== "number"
    ) {
      throw new TrainerError(
        `EarlyStopping: the checkpoint's state is not { best, bestEpoch, wait }: ${JSON.stringify(json)}`,
      );
    }
    this.best = best === null ? Number.NaN : best;
    this.bestEpoch = json.bestEpoch;
    this.wait = json.wait;
    const tensors = Object.entries(state.tensors ?? {});
    this.bestWeights =
      tensors.length === 0 ? undefined : new Map(tensors.map(([name, t]) => [name, t.clone()]));
  }

  private snapshot(context: TrainingContext): void {
    const copies = this.bestWeights ?? new Map<string, Tensor>();
    for (const p of context.model.parameters()) {
      const copy = copies.get(p.name);
      if (copy === undefined) copies.set(p.name, p.value.clone());
      else copy.write(p.value.read());
    }
    this.bestWeights = copies;
  }
}

/** Options of the `ReduceLROnPlateau` callback: the monitored log and a message sink. */
export interface ReduceLROnPlateauOptions {
  /** The epoch-log key passed to the schedule (default "val_loss"). */
  monitor?: string | undefined;
  /** Called with a sentence when the learning rate drops. */
  log?: ((message: string) => void) | undefined;
}

/**
 * Steps a `reduceLrOnPlateau` schedule (from @backprop/optimizers, given to the optimizer as its lr)
 * with the monitored quantity at the end of every epoch, as Keras' ReduceLROnPlateau and PyTorch's
 * `scheduler.step(val_loss)`. The schedule's state travels in the optimizer's state dict.
 */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  private readonly schedule: LrSchedule;
  private readonly log: ((message: string) => void) | undefined;

  constructor(schedule: LrSchedule, options: ReduceLROnPlateauOptions = {}) {
    this.schedule = schedule;
    this.monitor = options.monitor ?? "val_loss";
    this.log = options.log;
  }

  onEpochEnd(logs: EpochLogs): void {
    const before = this.schedule.getLr();
    this.schedule.step(monitored(logs, this.monitor, "ReduceLROnPlateau"));
    const after = this.schedule.getLr();
    if (after < before)
      this.log?.(
        `reduce-lr-on-plateau: ${this.monitor} stalled, learning rate ${formatValue(before)} → ${formatValue(after)}`,
      );
  }
}

/** Stops training (status "failed") as soon as a batch's loss is NaN or infinite (Keras' TerminateOnNaN). */
export class TerminateOnNaN implements Callback {
  onBatchEnd(logs: BatchLogs, context: TrainingContext): void {
    if (!Number.isFinite(logs.loss)) {
      context.stopTraining(
        `training diverged: the loss is ${logs.loss} at epoch ${logs.epoch + 1}, batch ${logs.batch + 1}; lower the learning rate or check the data for NaN`,
        "failed",
      );
    }
  }
}
