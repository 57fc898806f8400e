import { BatchIterator, type BatchIteratorState, type Dataset, datasetSize } from "@backprop/data";
import { accumulateParameterGradients, type Layer, loadWeights } from "@backprop/layers";
import type { LrSchedule, Optimizer, OptimizerStateDict } from "@backprop/optimizers";
import { type Parameter, type Rng, type Tensor, zeros } from "@backprop/tensor";
import type { BatchLogs, Callback, Checkpoint, FitResult, StopStatus, TrainingContext } from "./callback.js";
import { TrainerError } from "./errors.js";
import type { EpochLogs } from "./history.js";
import { createMetric, type Metric, type Targets } from "./metrics.js";

/** The loss protocol (docs/protocols.md) for the targets a dataset holds: class indices or a tensor. */
export interface TrainerLoss {
  forward(prediction: Tensor, target: Targets): number;
  backward(out?: Tensor): Tensor;
}

/** What the trainer needs of an optimizer (`Optimizer` from @backprop/optimizers has it). */
export type TrainerOptimizer = Pick<Optimizer, "step" | "zeroGrad" | "saveState" | "loadState">;

/** A metric by name (`"accuracy"`, `"top3"`, `"mse"`, `"mae"`, `"r2"`) or a factory of fresh instances. */
export type MetricSpec = string | (() => Metric);

export interface TrainerOptions {
  /** The network: anything with the layer protocol (a `Sequential` from `mlp()`). */
  model: Layer;
  loss: TrainerLoss;
  /** Needed by `fit` only (`evaluate` and `predict` work without one). */
  optimizer?: TrainerOptimizer | undefined;
  /** Metrics computed on every batch (training) and on evaluation; none unless given. */
  metrics?: readonly MetricSpec[] | undefined;
  /**
   * The learning-rate schedule the optimizer was built with (its `lr`), if any: its rate is logged as
   * `lr`, and the trainer advances it after every batch (`"step"`) or epoch (`"epoch"`). With `"none"`
   * something else steps it (the ReduceLROnPlateau callback).
   */
  schedule?: LrSchedule | undefined;
  scheduleInterval?: "step" | "epoch" | "none" | undefined;
}

export interface FitOptions {
  /** Total epochs (a resumed fit continues up to this many). */
  epochs: number;
  batchSize: number;
  /** Seed (or generator) of the mini-batch order; 0 unless given. */
  seed?: number | Rng | undefined;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean | undefined;
  /** Evaluated at the end of every epoch: logs get `val_loss`, `val_<metric>`. */
  validation?: Dataset | undefined;
  /** Batch size of the validation pass (default 1024). */
  validationBatchSize?: number | undefined;
  callbacks?: readonly Callback[] | undefined;
  /** A checkpoint to continue from: its weights are loaded into the model, its state into everything else. */
  resume?: Checkpoint | undefined;
  /** Stop after this many completed epochs, resumably (status "interrupted"), as if paused. */
  stopAfterEpoch?: number | undefined;
  /** Aborting it stops training at the end of the current batch (status "interrupted"). */
  signal?: AbortSignal | undefined;
  /**
   * Stop (status "failed") at the first step whose loss or any gradient is NaN or ±Infinity, before the
   * optimizer applies it, or after which any weight is: the reason names the epoch, the step, the layer
   * and the parameter, and no checkpoint of the diverged state is written. Default true.
   */
  checkFinite?: boolean | undefined;
}

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

/** A batch size: a positive integer, or a TrainerError naming the operation and the value. */
function checkBatchSize(op: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new TrainerError(`${op}: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** "NaN", "Infinity" or "-Infinity" when some element of `data` is not finite, else undefined. */
function nonFinite(data: ArrayLike<number>): string | undefined {
  let probe = 0;
  for (let i = 0; i < data.length; i++) probe += data[i]! * 0; // NaN as soon as one element is NaN or ±Infinity
  if (probe === 0) return undefined;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return String(data[i]);
  return undefined;
}

/** `"2.weight" (layer 2, Dense)`: a parameter by name, with the (nested) layer it belongs to. */
function describeParameter(model: Layer, name: string): string {
  const path = name.split(".").slice(0, -1);
  let layer: unknown = model;
  for (const segment of path) {
    const children = (layer as { layers?: unknown }).layers;
    layer = Array.isArray(children) && /^\d+$/.test(segment) ? children[Number(segment)] : undefined;
  }
  const type = (layer as { type?: unknown } | undefined)?.type;
  return path.length > 0 && typeof type === "string"
    ? `"${name}" (layer ${path.join(".")}, ${type})`
    : `"${name}"`;
}

/**
 * What is not finite: the loss or a gradient (before the update, `what` "gradient"), or a weight
 * (after it, `what` "weight"); undefined when everything is. Parameters are scanned from the output
 * layer back, the order backpropagation computes their gradients in, so the one named is where a
 * non-finite δ first reached a parameter.
 */
function divergence(
  model: Layer,
  parameters: readonly Parameter[],
  loss: number,
  what: "gradient" | "weight",
): string | undefined {
  if (what === "gradient" && !Number.isFinite(loss)) return `the loss is ${loss}`;
  for (let i = parameters.length - 1; i >= 0; i--) {
    const p = parameters[i]!;
    const bad = nonFinite(what === "gradient" ? p.grad.data : p.value.data);
    if (bad !== undefined) return `${what} of ${describeParameter(model, p.name)} has ${bad}`;
  }
  return undefined;
}

/** The batch rows of a tensor's rows [start, start + count) copied into `out`. */
function copyRows(source: Tensor, start: number, count: number, out: Tensor): Tensor {
  const width = source.size / source.shape[0]!;
  out.data.set(source.data.subarray(start * width, (start + count) * width));
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

/** Running loss (Σ loss·size, Σ size) and metrics over an epoch or an evaluation. */
class Accumulators {
  readonly metrics: Metric[];
  private lossSum = 0;
  private count = 0;

  constructor(specs: readonly MetricSpec[]) {
    this.metrics = specs.map((spec) => (typeof spec === "string" ? createMetric(spec) : spec()));
    const names = new Set<string>(["loss"]);
    for (const m of this.metrics) {
      if (names.has(m.name))
        throw new TrainerError(`metrics: "${m.name}" is given twice (or clashes with the loss)`);
      names.add(m.name);
    }
  }

  reset(): void {
    this.lossSum = 0;
    this.count = 0;
    for (const m of this.metrics) m.reset();
  }

  /** Adds a batch whose mean loss is `loss`. */
  update(loss: number, predictions: Tensor, targets: Targets, size: number): void {
    this.lossSum += loss * size;
    this.count += size;
    for (const m of this.metrics) m.update(predictions, targets);
  }

  get samples(): number {
    return this.count;
  }

  results(prefix = ""): Record<string, number> {
    const out: Record<string, number> = {
      [`${prefix}loss`]: this.count === 0 ? Number.NaN : this.lossSum / this.count,
    };
    for (const m of this.metrics) out[`${prefix}${m.name}`] = m.result();
    return out;
  }

  state(): Record<string, number[]> {
    const out: Record<string, number[]> = { loss: [this.lossSum, this.count] };
    for (const m of this.metrics) out[m.name] = m.state();
    return out;
  }

  loadState(state: Record<string, number[]>): void {
    const loss = state.loss;
    if (!Array.isArray(loss) || loss.length !== 2)
      throw new TrainerError("resume: the saved loss accumulator is not [sum, count]");
    [this.lossSum, this.count] = loss as [number, number];
    for (const m of this.metrics) {
      const saved = state[m.name];
      if (saved === undefined)
        throw new TrainerError(`resume: the checkpoint has no accumulator for metric "${m.name}"`);
      m.loadState(saved);
    }
  }
}

/**
 * Trains a model by mini-batch backpropagation, Keras `fit` style. One step of `fit` is the notes'
 * algorithm on a batch: forward y = f(x), E = loss(y, t), δ^(L) = ∂E/∂y, backward (each layer
 * accumulating ∂E/∂W^(l-1) = δ^(l) z^(l-1)ᵀ), then W ← W − η ∇E (or the optimizer's rule) and the
 * gradients are zeroed.
 *
 * ```ts
 * const model = mlp({ sizes: [2, 16, 2], activation: "tanh", seed: 1 });
 * const trainer = new Trainer({ model, loss: new CrossEntropyLoss(),
 *   optimizer: new Optimizer(adam({ lr: 0.01 }), model.parameters()), metrics: ["accuracy"] });
 * const { history } = await trainer.fit(xor({ samples: 400 }), { epochs: 50, batchSize: 32 });
 * trainer.evaluate(testSet); // { loss, accuracy }
 * ```
 */
export class Trainer {
  readonly model: Layer;
  readonly loss: TrainerLoss;
  readonly optimizer: TrainerOptimizer | undefined;
  readonly metricSpecs: readonly MetricSpec[];
  readonly schedule: LrSchedule | undefined;
  readonly scheduleInterval: "step" | "epoch" | "none";

  constructor(options: TrainerOptions) {
    this.model = options.model;
    this.loss = options.loss;
    this.optimizer = options.optimizer;
    this.metricSpecs = options.metrics ?? [];
    this.schedule = options.schedule;
    this.scheduleInterval = options.scheduleInterval ?? (options.schedule === undefined ? "none" : "step");
    new Accumulators(this.metricSpecs); // validates the metric names now rather than at the first epoch
  }

  /** Trains on `train` for `options.epochs` epochs (continuing a checkpoint with `options.resume`). */
  async fit(train: Dataset, options: FitOptions): Promise<FitResult> {
    const { epochs, batchSize } = options;
    const optimizer = this.optimizer;
    if (optimizer === undefined)
      throw new TrainerError("fit: the trainer has no optimizer (pass one to new Trainer)");
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new TrainerError(`fit: epochs must be a positive integer, got ${epochs}`);
    checkBatchSize("fit", "batchSize", batchSize);
    if (datasetSize(train) === 0) throw new TrainerError("fit: the training set has no samples");
    const callbacks = options.callbacks ?? [];
    const keys = new Set<string>();
    for (const cb of callbacks) {
      if (cb.stateDict === undefined) continue;
      if (cb.key === undefined || keys.has(cb.key)) {
        throw new TrainerError(
          `fit: every callback with state needs a unique key, got ${JSON.stringify(cb.key)}`,
        );
      }
      keys.add(cb.key);
    }
    const iterator = new BatchIterator(train, {
      batchSize,
      shuffle: options.shuffle ?? true,
      rng: options.seed ?? 0,
    });
    const accumulators = new Accumulators(this.metricSpecs);
    const randomByPath = randomLayers(this.model);
    const history: EpochLogs[] = [];
    let epoch = 0;
    let step = 0;
    let carriedSeconds = 0;
    let stop: { status: StopStatus; reason: string } | undefined;
    const resume = options.resume;
    if (resume !== undefined) {
      ({ epoch, step } = this.restore(resume, optimizer, iterator, accumulators, randomByPath, callbacks));
      history.push(...resume.state.history);
      carriedSeconds = resume.state.epochSeconds;
      if (resume.state.stopped)
        stop = { status: "stopped", reason: "the run had already been stopped by a callback" };
    }

    const trainer = this;
    const context: TrainingContext = {
      model: this.model,
      epochs,
      batchesPerEpoch: iterator.batchesPerEpoch,
      samplesPerEpoch: datasetSize(train),
      get epoch() {
        return epoch;
      },
      get step() {
        return step;
      },
      history,
      stopTraining(reason, status = "stopped") {
        stop ??= { status, reason };
      },
      checkpoint(): Checkpoint {
        const tensors = new Map<string, Tensor>();
        for (const p of trainer.model.parameters()) tensors.set(`model.${p.name}`, p.value);
        const callbackStates: Record<string, unknown> = {};
        for (const cb of callbacks) {
          if (cb.stateDict === undefined || cb.key === undefined) continue;
          const state = cb.stateDict();
          callbackStates[cb.key] = state.json;
          for (const [name, t] of Object.entries(state.tensors ?? {})) tensors.set(`${cb.key}.${name}`, t);
        }
        const layerRngs: Record<string, unknown> = {};
        for (const [path, layer] of randomByPath) layerRngs[path] = layer.rngState();
        const saved = optimizer.saveState();
        return {
          tensors,
          optimizerTensors: saved.tensors,
          state: {
            format: "backprop.training-state",
            version: 1,
            epoch,
            step,
            stopped: stop?.status === "stopped",
            iterator: iterator.state(),
            optimizer: saved.dict,
            accumulators: accumulators.state(),
            epochSeconds: carriedSeconds,
            layerRngs,
            callbacks: callbackStates,
            history: [...history],
          },
        };
      },
    };

    for (const cb of callbacks) await cb.onTrainBegin?.(context);
    const resumeEpoch =
      resume !== undefined && (resume.state.iterator as BatchIteratorState).batch > 0
        ? resume.state.epoch
        : -1;
    let lastYield = performance.now();
    const checkFinite = options.checkFinite ?? true;
    const parameters = this.model.parameters();
    while (stop === undefined && epoch < epochs) {
      if (options.stopAfterEpoch !== undefined && epoch >= options.stopAfterEpoch) {
        stop = { status: "interrupted", reason: `paused after epoch ${epoch} (stopAfterEpoch)` };
        break;
      }
      if (epoch !== resumeEpoch) {
        accumulators.reset();
        carriedSeconds = 0;
      }
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, context);
      this.model.train(true);
      const started = performance.now() - carriedSeconds * 1000;
      for (let batch = iterator.next(); batch !== null; batch = iterator.next()) {
        optimizer.zeroGrad();
        const y = this.model.forward(batch.features);
        const loss = this.loss.forward(y, batch.targets);
        accumulators.update(loss, y, batch.targets, batch.size);
        accumulateParameterGradients(this.model, this.loss.backward());
        let diverged = checkFinite ? divergence(this.model, parameters, loss, "gradient") : undefined;
        if (diverged === undefined) {
          optimizer.step();
          if (checkFinite) diverged = divergence(this.model, parameters, loss, "weight");
        }
        if (diverged !== undefined) {
          stop = {
            status: "failed",
            reason: `training diverged at epoch ${epoch + 1}, step ${step + 1}: ${diverged}`,
          };
          break;
        }
        step++;
        if (this.scheduleInterval === "step") this.schedule?.step();
        carriedSeconds = (performance.now() - started) / 1000;
        if (callbacks.length > 0) {
          const logs: BatchLogs = {
            epoch,
            batch: batch.index,
            size: batch.size,
            loss,
            step,
            batchesDone: batch.index + 1,
            samplesDone: accumulators.samples,
            running: accumulators.results(),
          };
          for (const cb of callbacks) cb.onBatchEnd?.(logs, context);
        }
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (options.signal?.aborted === true) stop ??= { status: "interrupted", reason: "interrupted" };
        if (stop !== undefined) break;
      }
      if (stop !== undefined && stop.status !== "stopped") break;
      epoch++;
      const seconds = (performance.now() - started) / 1000;
      carriedSeconds = 0;
      const logs: EpochLogs = { epoch, step, ...accumulators.results() };
      if (options.validation !== undefined) {
        Object.assign(
          logs,
          this.evaluate(options.validation, { batchSize: options.validationBatchSize, prefix: "val_" }),
        );
      }
      if (this.schedule !== undefined) logs.lr = this.schedule.getLr();
      if (this.scheduleInterval === "epoch") this.schedule?.step();
      logs.time = seconds;
      logs.samplesPerSecond = accumulators.samples / Math.max(seconds, 1e-9);
      history.push(logs);
      for (const cb of callbacks) await cb.onEpochEnd?.(logs, context);
    }
    const result: FitResult =
      stop === undefined
        ? { history, status: "completed" }
        : { history, status: stop.status, reason: stop.reason };
    for (const cb of callbacks) await cb.onTrainEnd?.(result, context);
    return result;
  }

  /** Loss and metrics of the model (in eval mode) on `data`; keys get `prefix` (e.g. "val_"). */
  evaluate(
    data: Dataset,
    options: { batchSize?: number | undefined; prefix?: string } = {},
  ): Record<string, number> {
    const batchSize = checkBatchSize("evaluate", "batchSize", options.batchSize ?? 1024);
    const accumulators = new Accumulators(this.metricSpecs);
    const wasTraining = this.model.training;
    this.model.train(false);
    try {
      const iterator = new BatchIterator(data, { batchSize, shuffle: false });
      for (const batch of iterator) {
        const y = this.model.forward(batch.features);
        accumulators.update(this.loss.forward(y, batch.targets), y, batch.targets, batch.size);
      }
    } finally {
      this.model.train(wasTraining);
    }
    return accumulators.results(options.prefix);
  }

  /** The model's outputs (eval mode) for every row of `features` [n, d], as one [n, outputs] tensor. */
  predict(features: Tensor, options: { batchSize?: number | undefined } = {}): Tensor {
    if (features.rank !== 2)
      throw new TrainerError(`predict: features must be [n, d], got rank ${features.rank}`);
    const n = features.shape[0]!;
    const batchSize = checkBatchSize("predict", "batchSize", options.batchSize ?? 1024);
    const wasTraining = this.model.training;
    this.model.train(false);
    try {
      let out: Tensor | undefined;
      let batch: Tensor | undefined;
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        if (batch === undefined || batch.shape[0] !== count) {
          batch = zeros([count, features.shape[1]!], { dtype: features.dtype, backend: features.backend });
        }
        const y = this.model.forward(copyRows(features, start, count, batch));
        const width = y.size / count;
        out ??= zeros([n, width], { dtype: y.dtype, backend: y.backend });
        out.data.set(y.data, start * width);
      }
      return out ?? zeros([0, 0], { dtype: features.dtype });
    } finally {
      this.model.train(wasTraining);
    }
  }

  /** Loads a checkpoint into the model, iterator, optimizer, accumulators, random layers and callbacks. */
  private restore(
    checkpoint: Checkpoint,
    optimizer: TrainerOptimizer,
    iterator: BatchIterator,
    accumulators: Accumulators,
    randomByPath: Map<string, RandomLayer>,
    callbacks: readonly Callback[],
  ): { epoch: number; step: number } {
    const { state, tensors } = checkpoint;
    if (state?.format !== "backprop.training-state" || state.version !== 1) {
      throw new TrainerError(
        "resume: not a backprop training state (format backprop.training-state, version 1)",
      );
    }
    loadWeights(this.model, tensorsWithPrefix(tensors, "model."), "checkpoint");
    restorePart("batch iterator state", () => iterator.loadState(state.iterator as BatchIteratorState));
    restorePart("optimizer state", () =>
      optimizer.loadState(state.optimizer as OptimizerStateDict, checkpoint.optimizerTensors),
    );
    restorePart("metric accumulators", () => accumulators.loadState(state.accumulators));
    for (const [path, layer] of randomByPath) {
      const saved = state.layerRngs[path];
      if (saved === undefined)
        throw new TrainerError(`resume: the checkpoint has no random state for layer ${path}`);
      restorePart(`random state of layer ${path}`, () => layer.loadRngState(saved));
    }
    for (const cb of callbacks) {
      if (cb.loadStateDict === undefined || cb.key === undefined) continue;
      const json = state.callbacks[cb.key];
      if (json === undefined) continue;
      restorePart(`state of callback "${cb.key}"`, () =>
        cb.loadStateDict?.({ json, tensors: Object.fromEntries(tensorsWithPrefix(tensors, `${cb.key}.`)) }),
      );
    }
    return { epoch: state.epoch, step: state.step };
  }
}
