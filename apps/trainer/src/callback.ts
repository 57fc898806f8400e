import type { Layer } from "@backprop/layers";
import type { StateTensor } from "@backprop/optimizers";
import type { Tensor } from "@backprop/tensor";
import type { EpochLogs } from "./history.js";

/** A value or a promise of it: hooks may be async (they are awaited). */
export type Awaitable<T> = T | Promise<T>;

/** What a callback saves in a checkpoint: JSON, plus tensors (e.g. best weights) stored beside the model's. */
export interface CallbackState {
  json: unknown;
  tensors?: Record<string, Tensor> | undefined;
}

/** Why training ended. */
export type StopStatus =
  /** every epoch ran */
  | "completed"
  /** a callback stopped it (early stopping): the run is finished */
  | "stopped"
  /** a callback found it broken (NaN loss): the weights are not usable */
  | "failed"
  /** aborted (Ctrl-C) or paused (`stopAfterEpoch`): resumable from the last checkpoint */
  | "interrupted";

/** One finished batch. */
export interface BatchLogs {
  /** 0-based epoch index. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Rows in the batch. */
  size: number;
  /** The batch's loss. */
  loss: number;
  /** Optimizer steps so far (this batch's included). */
  step: number;
  /** Batches and samples done in this epoch, and the running means of loss and metrics over them. */
  batchesDone: number;
  samplesDone: number;
  running: Readonly<Record<string, number>>;
}

/** The state of a fit as callbacks see it. */
export interface TrainingContext {
  readonly model: Layer;
  /** Total epochs of the fit. */
  readonly epochs: number;
  readonly batchesPerEpoch: number;
  readonly samplesPerEpoch: number;
  /** Epochs completed so far. */
  readonly epoch: number;
  /** Optimizer steps so far. */
  readonly step: number;
  /** One entry per completed epoch (including those before a resume). */
  readonly history: readonly EpochLogs[];
  /** Asks the trainer to stop: at the end of the current batch (from onBatchEnd) or epoch. */
  stopTraining(reason: string, status?: "stopped" | "failed"): void;
  /** Everything a checkpoint needs to resume this fit exactly (see `TrainingState`). */
  checkpoint(): Checkpoint;
}

/**
 * A Keras-style callback: every hook is optional and may return a promise (awaited), except
 * `onBatchEnd`, which runs synchronously in the hot loop. A callback with `stateDict` /
 * `loadStateDict` is saved in checkpoints under its `key` and restored on resume.
 */
export interface Callback {
  /** Unique key of the callback's state in a checkpoint (required with `stateDict`). */
  readonly key?: string;
  /** Called once before the first epoch (also when a fit resumes). */
  onTrainBegin?(context: TrainingContext): Awaitable<void>;
  /** Called at the start of every epoch. */
  onEpochBegin?(epoch: number, context: TrainingContext): Awaitable<void>;
  /** Called after every optimizer step with the batch's logs (keep it cheap: it runs on the hot path). */
  onBatchEnd?(logs: BatchLogs, context: TrainingContext): void;
  /** Called after every epoch with its logs (training and validation metrics, learning rate). */
  onEpochEnd?(logs: EpochLogs, context: TrainingContext): Awaitable<void>;
  /** Called once when the fit ends, however it ended. */
  onTrainEnd?(result: FitResult, context: TrainingContext): Awaitable<void>;
  /** The callback's state, saved in checkpoints under `key` so a resumed fit continues it. */
  stateDict?(): CallbackState;
  /** Restores the state `stateDict` returned (on resume). */
  loadStateDict?(state: CallbackState): void;
}

/** What `fit` returns. */
export interface FitResult {
  history: EpochLogs[];
  status: StopStatus;
  /** Why it stopped early, in one sentence (undefined when completed). */
  reason?: string | undefined;
}

/** The resumable state of a fit (JSON), saved in a checkpoint beside the weights. */
export interface TrainingState {
  format: "backprop.training-state";
  version: 1;
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** True once a callback stopped the run (it is finished; resuming it does nothing). */
  stopped: boolean;
  /** The mini-batch iterator's position and RNG (a @backprop/data BatchIteratorState). */
  iterator: unknown;
  /**
   * `optimizer.saveState().dict`, which holds the learning-rate schedule's state too; its per-parameter
   * buffers are references {"$tensor": key} into the checkpoint's `optimizerTensors`.
   */
  optimizer: unknown;
  /** The running loss and metric accumulators of a partly done epoch. */
  accumulators: Record<string, number[]>;
  /** Seconds spent in the partly done epoch. */
  epochSeconds: number;
  /** Random-generator states of layers with randomness (Dropout), by parameter-free layer path. */
  layerRngs: Record<string, unknown>;
  /** Callback states by key (their tensors are in the weights file). */
  callbacks: Record<string, unknown>;
  history: EpochLogs[];
}

/** A checkpoint: the model weights and callback tensors by name, the optimizer's buffers, and the training state. */
export interface Checkpoint {
  tensors: Map<string, Tensor>;
  /** The optimizer's per-parameter buffers (Adam's m and v) by the keys its state refers to. */
  optimizerTensors: Map<string, StateTensor>;
  state: TrainingState;
}
