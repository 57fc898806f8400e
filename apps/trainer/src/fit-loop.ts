import {
  type Batch,
  BatchIterator,
  type BatchIteratorState,
  type Dataset,
  datasetSize,
} from "@backprop/data";
import { accumulateParameterGradients, type Layer, loadWeights } from "@backprop/layers";
import type { LrSchedule, OptimizerStateDict } from "@backprop/optimizers";
import type { Tensor } from "@backprop/tensor";
import { Accumulators, type MetricSpec } from "./accumulators.js";
import type { BatchLogs, Callback, Checkpoint, FitResult, StopStatus, TrainingContext } from "./callback.js";
import { describeDivergence } from "./divergence.js";
import { TrainerError } from "./errors.js";
import type { EpochLogs } from "./history.js";
import type { FitOptions, TrainerLoss, TrainerOptimizer } from "./trainer.js";

/*
 * One `Trainer.fit`, as named steps: `resume` (load a checkpoint into everything), the epoch loop
 * (`trainEpoch` → `trainStep`, with the divergence guard and the schedule's per-step advance), the
 * end of an epoch (`finishEpoch`: validation, the schedule's per-epoch advance, callbacks) and
 * `checkpoint` (everything a resume needs).
 */

/** How often the hot loop yields to the event loop (so signals and timers run), in ms. */
const YIELD_EVERY_MS = 100;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A layer with a random generator whose state a checkpoint must keep (Dropout). */
interface RandomLayer {
  rngState(): unknown;
  loadRngState(state: unknown): void;
}

function isRandomLayer(layer: unknown): layer is RandomLayer {
  const l = layer as Partial<RandomLayer> | null;
  return typeof l?.rngState === "function" && typeof l.loadRngState === "function";
}

/** The sub-layers of a model that draw random numbers, by index path ("3", or "" for the model itself). */
function randomLayers(model: Layer): Map<string, RandomLayer> {
  const found = new Map<string, RandomLayer>();
  const visit = (layer: unknown, path: string): void => {
    if (isRandomLayer(layer)) found.set(path, layer);
    const children = (layer as { layers?: unknown }).layers;
    if (!Array.isArray(children)) return;
    children.forEach((child, i) => {
      visit(child, path === "" ? String(i) : `${path}.${i}`);
    });
  };
  visit(model, "");
  return found;
}

/** The tensors whose names start with `prefix`, keyed by the rest of the name. */
function tensorsWithPrefix(tensors: ReadonlyMap<string, Tensor>, prefix: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of tensors) if (name.startsWith(prefix)) out.set(name.slice(prefix.length), t);
  return out;
}

/**
 * Runs one part of a resume. Saved state is untrusted input: a TypeError or RangeError from a loader
 * that trusted its structure becomes a TrainerError naming the part (the library's own errors pass).
 */
function restorePart(what: string, load: () => void): void {
  try {
    load();
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new TrainerError(`resume: the checkpoint's ${what} is malformed (${error.message})`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** What a fit needs of its trainer. */
export interface FitParts {
  model: Layer;
  loss: TrainerLoss;
  optimizer: TrainerOptimizer;
  metricSpecs: readonly MetricSpec[];
  schedule: LrSchedule | undefined;
  scheduleInterval: "step" | "epoch" | "none";
  evaluate(
    data: Dataset,
    options: { batchSize?: number | undefined; prefix?: string },
  ): Record<string, number>;
}

/** Why the loop stopped, once it has. */
interface Stop {
  status: StopStatus;
  reason: string;
}

/** The state of one fit and its steps; `run()` trains. */
export class FitLoop {
  private readonly iterator: BatchIterator;
  private readonly accumulators: Accumulators;
  private readonly randomByPath: Map<string, RandomLayer>;
  private readonly callbacks: readonly Callback[];
  private readonly history: EpochLogs[] = [];
  private readonly context: TrainingContext;
  /** Epochs completed and optimizer steps taken. */
  private epoch = 0;
  private step = 0;
  /** Seconds already spent in the current epoch (before a resume). */
  private carriedSeconds = 0;
  private stop: Stop | undefined;
  /** The epoch a mid-epoch checkpoint left partly done (its accumulators are kept), or -1. */
  private resumedEpoch = -1;
  private lastYield = performance.now();

  constructor(
    private readonly parts: FitParts,
    private readonly train: Dataset,
    private readonly options: FitOptions,
  ) {
    this.callbacks = options.callbacks ?? [];
    this.iterator = new BatchIterator(train, {
      batchSize: options.batchSize,
      shuffle: options.shuffle ?? true,
      rng: options.seed ?? 0,
    });
    this.accumulators = new Accumulators(parts.metricSpecs);
    this.randomByPath = randomLayers(parts.model);
    this.context = this.trainingContext();
  }

  async run(): Promise<FitResult> {
    if (this.options.resume !== undefined) this.resume(this.options.resume);
    for (const cb of this.callbacks) await cb.onTrainBegin?.(this.context);
    while (this.stop === undefined && this.epoch < this.options.epochs) {
      const pauseAt = this.options.stopAfterEpoch;
      if (pauseAt !== undefined && this.epoch >= pauseAt) {
        this.stop = { status: "interrupted", reason: `paused after epoch ${this.epoch} (stopAfterEpoch)` };
        break;
      }
      const seconds = await this.trainEpoch();
      // trainEpoch may have set it (TypeScript keeps the loop condition's narrowing across the call).
      const stop = this.stop as Stop | undefined;
      if (stop !== undefined && stop.status !== "stopped") break;
      await this.finishEpoch(seconds);
    }
    const stop = this.stop;
    const result: FitResult =
      stop === undefined
        ? { history: this.history, status: "completed" }
        : { history: this.history, status: stop.status, reason: stop.reason };
    for (const cb of this.callbacks) await cb.onTrainEnd?.(result, this.context);
    return result;
  }

  /** The resume step: a checkpoint loaded into the model, iterator, optimizer, accumulators, random layers and callbacks. */
  private resume(checkpoint: Checkpoint): void {
    const { state, tensors } = checkpoint;
    if (state?.format !== "backprop.training-state" || state.version !== 1) {
      throw new TrainerError(
        "resume: not a backprop training state (format backprop.training-state, version 1)",
      );
    }
    loadWeights(this.parts.model, tensorsWithPrefix(tensors, "model."), "checkpoint");
    restorePart("batch iterator state", () => this.iterator.loadState(state.iterator as BatchIteratorState));
    restorePart("optimizer state", () =>
      this.parts.optimizer.loadState(state.optimizer as OptimizerStateDict, checkpoint.optimizerTensors),
    );
    restorePart("metric accumulators", () => this.accumulators.loadState(state.accumulators));
    for (const [path, layer] of this.randomByPath) {
      const saved = state.layerRngs[path];
      if (saved === undefined)
        throw new TrainerError(`resume: the checkpoint has no random state for layer ${path}`);
      restorePart(`random state of layer ${path}`, () => layer.loadRngState(saved));
    }
    for (const cb of this.callbacks) {
      if (cb.loadStateDict === undefined || cb.key === undefined) continue;
      const json = state.callbacks[cb.key];
      if (json === undefined) continue;
      restorePart(`state of callback "${cb.key}"`, () =>
        cb.loadStateDict?.({ json, tensors: Object.fromEntries(tensorsWithPrefix(tensors, `${cb.key}.`)) }),
      );
    }
    this.epoch = state.epoch;
    this.step = state.step;
    this.history.push(...state.history);
    this.carriedSeconds = state.epochSeconds;
    if ((state.iterator as BatchIteratorState).batch > 0) this.resumedEpoch = state.epoch;
    if (state.stopped)
      this.stop = { status: "stopped", reason: "the run had already been stopped by a callback" };
  }

  /** One pass over the batches (the rest of a partly done epoch after a resume); its seconds. */
  private async trainEpoch(): Promise<number> {
    if (this.epoch !== this.resumedEpoch) {
      this.accumulators.reset();
      this.carriedSeconds = 0;
    }
    for (const cb of this.callbacks) await cb.onEpochBegin?.(this.epoch, this.context);
    this.parts.model.train(true);
    const started = performance.now() - this.carriedSeconds * 1000;
    for (let batch = this.iterator.next(); batch !== null; batch = this.iterator.next()) {
      const loss = this.trainStep(batch);
      if (loss === undefined) break;
      this.carriedSeconds = (performance.now() - started) / 1000;
      this.reportBatch(batch, loss);
      if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        this.lastYield = performance.now();
      }
      if (this.options.signal?.aborted === true)
        this.stop ??= { status: "interrupted", reason: "interrupted" };
      if (this.stop !== undefined) break;
    }
    return (performance.now() - started) / 1000;
  }

  /**
   * One step of the notes' algorithm on a batch: forward, loss, backward, W ← W + optimizer update,
   * behind the divergence guard; then the schedule's per-step advance. Returns the batch's loss, or
   * undefined when training diverged (the loop stops, status "failed").
   */
  private trainStep(batch: Batch): number | undefined {
    const { model, loss: lossFn, optimizer } = this.parts;
    optimizer.zeroGrad();
    const y = model.forward(batch.features);
    const loss = lossFn.forward(y, batch.targets);
    this.accumulators.update(loss, y, batch.targets, batch.size);
    accumulateParameterGradients(model, lossFn.backward());
    const diverged = this.guardedUpdate(loss);
    if (diverged !== undefined) {
      this.stop = {
        status: "failed",
        reason: `training diverged at epoch ${this.epoch + 1}, step ${this.step + 1}: ${diverged}`,
      };
      return undefined;
    }
    this.step++;
    this.advanceSchedule("step");
    return loss;
  }

  /**
   * The divergence guard around the update: no step is applied when the loss is not finite; otherwise
   * the optimizer's own passes report any gradient or new weight that is not (`checkedStep`, no pass
   * of its own), and training stops with that step applied in memory but never saved. What went
   * wrong, or undefined.
   */
  private guardedUpdate(loss: number): string | undefined {
    const checkFinite = this.options.checkFinite ?? true;
    const { model, optimizer } = this.parts;
    if (!checkFinite) {
      optimizer.step();
      return undefined;
    }
    if (!Number.isFinite(loss)) return `the loss is ${loss}`;
    const flagged = optimizer.checkedStep();
    return flagged.length === 0 ? undefined : describeDivergence(model, optimizer.parameters, flagged);
  }

  /** The schedule step: the learning-rate schedule advances after every batch or every epoch, as configured. */
  private advanceSchedule(interval: "step" | "epoch"): void {
    if (this.parts.scheduleInterval === interval) this.parts.schedule?.step();
  }

  private reportBatch(batch: Batch, loss: number): void {
    if (this.callbacks.length === 0) return;
    const logs: BatchLogs = {
      epoch: this.epoch,
      batch: batch.index,
      size: batch.size,
      loss,
      step: this.step,
      batchesDone: batch.index + 1,
      samplesDone: this.accumulators.samples,
      running: this.accumulators.results(),
    };
    for (const cb of this.callbacks) cb.onBatchEnd?.(logs, this.context);
  }

  /** The end of an epoch: its logs (with validation and lr), the schedule's per-epoch advance, the callbacks. */
  private async finishEpoch(seconds: number): Promise<void> {
    this.epoch++;
    this.carriedSeconds = 0;
    const logs: EpochLogs = { epoch: this.epoch, step: this.step, ...this.accumulators.results() };
    const { validation, validationBatchSize } = this.options;
    if (validation !== undefined) {
      Object.assign(
        logs,
        this.parts.evaluate(validation, { batchSize: validationBatchSize, prefix: "val_" }),
      );
    }
    if (this.parts.schedule !== undefined) logs.lr = this.parts.schedule.getLr();
    this.advanceSchedule("epoch");
    logs.time = seconds;
    logs.samplesPerSecond = this.accumulators.samples / Math.max(seconds, 1e-9);
    this.history.push(logs);
    for (const cb of this.callbacks) await cb.onEpochEnd?.(logs, this.context);
  }

  /** The checkpoint step: everything a resume needs to continue this fit exactly. */
  private checkpoint(): Checkpoint {
    const tensors = new Map<string, Tensor>();
    for (const p of this.parts.model.parameters()) tensors.set(`model.${p.name}`, p.value);
    const callbackStates: Record<string, unknown> = {};
    for (const cb of this.callbacks) {
      if (cb.stateDict === undefined || cb.key === undefined) continue;
      const state = cb.stateDict();
      callbackStates[cb.key] = state.json;
      for (const [name, t] of Object.entries(state.tensors ?? {})) tensors.set(`${cb.key}.${name}`, t);
    }
    const layerRngs: Record<string, unknown> = {};
    for (const [path, layer] of this.randomByPath) layerRngs[path] = layer.rngState();
    const saved = this.parts.optimizer.saveState();
    return {
      tensors,
      optimizerTensors: saved.tensors,
      state: {
        format: "backprop.training-state",
        version: 1,
        epoch: this.epoch,
        step: this.step,
        stopped: this.stop?.status === "stopped",
        iterator: this.iterator.state(),
        optimizer: saved.dict,
        accumulators: this.accumulators.state(),
        epochSeconds: this.carriedSeconds,
        layerRngs,
        callbacks: callbackStates,
        history: [...this.history],
      },
    };
  }

  /** The fit as callbacks see it. */
  private trainingContext(): TrainingContext {
    const loop = this;
    return {
      model: this.parts.model,
      epochs: this.options.epochs,
      batchesPerEpoch: this.iterator.batchesPerEpoch,
      samplesPerEpoch: datasetSize(this.train),
      get epoch() {
        return loop.epoch;
      },
      get step() {
        return loop.step;
      },
      history: this.history,
      stopTraining(reason, status = "stopped") {
        loop.stop ??= { status, reason };
      },
      checkpoint: () => this.checkpoint(),
    };
  }
}
