import { BatchIterator, type Dataset, datasetSize } from "@backprop/data";
import type { Layer } from "@backprop/layers";
import type { LrSchedule, Optimizer } from "@backprop/optimizers";
import { type Rng, selectRows, type Tensor, zeros } from "@backprop/tensor";
import { Accumulators, type MetricSpec } from "./accumulators.js";
import type { Callback, Checkpoint, FitResult } from "./callback.js";
import { TrainerError } from "./errors.js";
import { FitLoop } from "./fit-loop.js";
import type { Targets } from "./metrics.js";

/** The loss protocol (docs/protocols.md) for the targets a dataset holds: class indices or a tensor. */
export interface TrainerLoss {
  /** The loss E of a batch's predictions against its targets. */
  forward(prediction: Tensor, target: Targets): number;
  /** ∂E/∂y for the last `forward`, into `out` when given. */
  backward(out?: Tensor): Tensor;
}

/** What the trainer needs of an optimizer (`Optimizer` from @backprop/optimizers has it). */
export type TrainerOptimizer = Pick<
  Optimizer,
  "parameters" | "step" | "checkedStep" | "zeroGrad" | "saveState" | "loadState"
>;

export type { MetricSpec } from "./accumulators.js";

/** What a `Trainer` is made of: the model, the loss, the optimizer (for fit) and the metrics. */
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

/** Options of `Trainer.fit`: epochs, batch size, the shuffle and its seed, validation data, callbacks, resuming and stopping. */
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
   * Stop (status "failed") at the first step whose loss (before the update), gradient or updated weight
   * (found in the optimizer's own passes, `checkedStep`) is NaN or ±Infinity: the reason names the
   * epoch, the step, the layer and the parameter. A diverged gradient has then been applied to the
   * model in memory, but no checkpoint or final model of the diverged state is written. Default true.
   */
  checkFinite?: boolean | undefined;
}

/** A batch size: a positive integer, or a TrainerError naming the operation and the value. */
function checkBatchSize(op: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new TrainerError(`${op}: ${name} must be a positive integer, got ${value}`);
  return value;
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

  /** Trains on `train` for `options.epochs` epochs (continuing a checkpoint with `options.resume`); see FitLoop. */
  async fit(train: Dataset, options: FitOptions): Promise<FitResult> {
    const { epochs, batchSize } = options;
    const optimizer = this.optimizer;
    if (optimizer === undefined)
      throw new TrainerError("fit: the trainer has no optimizer (pass one to new Trainer)");
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new TrainerError(`fit: epochs must be a positive integer, got ${epochs}`);
    checkBatchSize("fit", "batchSize", batchSize);
    if (datasetSize(train) === 0) throw new TrainerError("fit: the training set has no samples");
    const keys = new Set<string>();
    for (const cb of options.callbacks ?? []) {
      if (cb.stateDict === undefined) continue;
      if (cb.key === undefined || keys.has(cb.key)) {
        throw new TrainerError(
          `fit: every callback with state needs a unique key, got ${JSON.stringify(cb.key)}`,
        );
      }
      keys.add(cb.key);
    }
    const parts = {
      model: this.model,
      loss: this.loss,
      optimizer,
      metricSpecs: this.metricSpecs,
      schedule: this.schedule,
      scheduleInterval: this.scheduleInterval,
      evaluate: this.evaluate.bind(this),
    };
    return new FitLoop(parts, train, options).run();
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
      const rows = new Int32Array(Math.min(batchSize, n));
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        if (batch === undefined || batch.shape[0] !== count) {
          batch = zeros([count, features.shape[1]!], { dtype: features.dtype, backend: features.backend });
        }
        for (let r = 0; r < count; r++) rows[r] = start + r;
        const y = this.model.forward(selectRows(features, rows.subarray(0, count), batch));
        const width = y.size / count;
        out ??= zeros([n, width], { dtype: y.dtype, backend: y.backend });
        out.write(y.read(), start * width);
      }
      return out ?? zeros([0, 0], { dtype: features.dtype });
    } finally {
      this.model.train(wasTraining);
    }
  }
}
