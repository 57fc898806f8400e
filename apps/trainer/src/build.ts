import type { Scaler } from "@backprop/data";
import type { Sequential } from "@backprop/layers";
import { mlp } from "@backprop/layers";
import { CrossEntropyLoss, HuberLoss, L1Loss, MSELoss } from "@backprop/losses";
import {
  chain,
  clipByGlobalNorm,
  constantLr,
  cosineAnnealingLr,
  createOptimizerRegistry,
  exponentialLr,
  type LrSchedule,
  linearLr,
  Optimizer,
  oneCycleLr,
  reduceLrOnPlateau,
  sequentialLr,
  stepLr,
} from "@backprop/optimizers";
import type { Backend, Rng } from "@backprop/tensor";
import type { TrainConfig } from "./config.js";
import { TrainerError, UsageError } from "./errors.js";
import { createMetric, InOriginalUnits, risesWhenBetter } from "./metrics.js";
import type { MetricSpec, TrainerLoss } from "./trainer.js";

/** The network a config describes: Dense layers [inputs, ...hidden, outputs] with the activation between them. */
export function buildModel(
  config: Pick<TrainConfig, "hidden" | "activation" | "dropout" | "bias" | "dtype">,
  inputs: number,
  outputs: number,
  options: { backend?: Backend | undefined; rng?: Rng | undefined } = {},
): Sequential {
  return mlp({
    sizes: [inputs, ...config.hidden, outputs],
    activation: config.activation,
    dropout: config.dropout,
    bias: config.bias,
    dtype: config.dtype,
    backend: options.backend,
    rng: options.rng,
  });
}

/** `784-256-128-10 relu` */
export function describeModel(
  config: Pick<TrainConfig, "hidden" | "activation" | "dropout">,
  inputs: number,
  outputs: number,
): string {
  const sizes = [inputs, ...config.hidden, outputs].join("-");
  return `${sizes} ${config.activation}${config.dropout > 0 ? `, dropout ${config.dropout}` : ""}`;
}

/** The loss a config names; "auto" is softmax cross-entropy for classification and MSE for regression. */
export function buildLoss(
  config: Pick<TrainConfig, "loss" | "labelSmoothing">,
  task: "classification" | "regression",
): TrainerLoss {
  const name = config.loss === "auto" ? (task === "classification" ? "cross-entropy" : "mse") : config.loss;
  if ((name === "cross-entropy") !== (task === "classification")) {
    throw new TrainerError(
      `loss ${name} does not fit a ${task} task (use ${task === "classification" ? "cross-entropy" : "mse, mae or huber"})`,
    );
  }
  switch (name) {
    case "cross-entropy":
      return new CrossEntropyLoss({ labelSmoothing: config.labelSmoothing });
    case "mse":
      return new MSELoss();
    case "mae":
      return new L1Loss();
    case "huber":
      return new HuberLoss();
  }
}

/**
 * The loss reported on held-out data (eval, the test split, predict): the config's loss without
 * label smoothing, which is a training device. Its cross-entropy is −Σ log p(label), comparable
 * across runs; the smoothed one is not.
 */
export function buildEvaluationLoss(
  config: Pick<TrainConfig, "loss">,
  task: "classification" | "regression",
): TrainerLoss {
  return buildLoss({ loss: config.loss, labelSmoothing: 0 }, task);
}

/**
 * How the training logs' losses are shown when they are not the plain loss: label-smoothed
 * (`loss` → `smoothed_loss`, never mistaken for the cross-entropy) or on standardised regression
 * targets (`loss` → `scaled_loss`; the metrics are in the original units); none otherwise.
 */
export function lossLabels(
  config: Pick<TrainConfig, "loss" | "labelSmoothing" | "standardizeTargets">,
  task: "classification" | "regression",
): Record<string, string> {
  if (task === "regression")
    return config.standardizeTargets ? { loss: "scaled_loss", val_loss: "val_scaled_loss" } : {};
  const smoothed = config.labelSmoothing > 0 && config.loss !== "mse";
  return smoothed ? { loss: "smoothed_loss", val_loss: "val_smoothed_loss" } : {};
}

/** The metrics of a config, by task unless listed: accuracy for classification; mse, rmse, mae, r2 for regression. */
export function metricNames(
  config: Pick<TrainConfig, "metrics">,
  task: "classification" | "regression",
): string[] {
  return config.metrics ?? (task === "classification" ? ["accuracy"] : ["mse", "rmse", "mae", "r2"]);
}

/**
 * Checks, before training starts, that what early stopping and reduce-on-plateau monitor is a key
 * the epoch logs will have: loss and the metrics, their val_ twins with a validation split, lr.
 */
export function checkMonitors(
  config: Pick<TrainConfig, "metrics" | "earlyStopping" | "reduceLrOnPlateau">,
  task: "classification" | "regression",
  hasValidation: boolean,
): void {
  const logged = ["loss", ...metricNames(config, task).map((name) => createMetric(name).name)];
  const keys = [...logged, ...(hasValidation ? logged.map((key) => `val_${key}`) : []), "lr"];
  for (const monitor of [config.earlyStopping?.monitor, config.reduceLrOnPlateau?.monitor]) {
    if (monitor === undefined || keys.includes(monitor)) continue;
    const hint = monitor.startsWith("val_") && !hasValidation ? " (val_* needs --validation-split > 0)" : "";
    throw new UsageError(`--monitor ${monitor} is not logged${hint}; choose one of ${keys.join(", ")}`);
  }
}

/**
 * The metrics the trainer computes: `metricNames`, each in the targets' original units when a
 * regression model learns standardised targets (`targetScaler`).
 */
export function metricSpecs(
  config: Pick<TrainConfig, "metrics">,
  task: "classification" | "regression",
  targetScaler: Scaler | undefined,
): MetricSpec[] {
  const names = metricNames(config, task);
  if (targetScaler === undefined) return names;
  return names.map((name) => () => new InOriginalUnits(createMetric(name), targetScaler));
}

/** An optimizer, its learning-rate schedule and how the trainer advances it. */
export interface BuiltOptimizer {
  optimizer: Optimizer;
  schedule: LrSchedule;
  /** "step" (cosine: per batch), "epoch" (step, exponential) or "none" (constant; reduce-on-plateau is stepped by its callback). */
  interval: "step" | "epoch" | "none";
  /** Set when the schedule is reduce-on-plateau: the callback must step it with this metric. */
  plateauMonitor: string | undefined;
}

type OptimizerConfig = { epochs: number } & Pick<
  TrainConfig,
  | "optimizer"
  | "learningRate"
  | "weightDecay"
  | "momentum"
  | "schedule"
  | "warmupEpochs"
  | "stepSize"
  | "gamma"
  | "clipNorm"
  | "reduceLrOnPlateau"
  | "epochs"
>;

/**
 * Linear warmup, then the configured schedule (cosine over the remaining steps, or constant):
 * η_t = η·(t + 1)/W for the first W = warmupEpochs·batchesPerEpoch steps, then the schedule from its step 0.
 */
function withWarmup(config: OptimizerConfig, batchesPerEpoch: number): Omit<BuiltOptimizer, "optimizer"> {
  const { schedule, warmupEpochs, epochs } = config;
  if (config.reduceLrOnPlateau !== null || (schedule !== "cosine" && schedule !== "constant")) {
    const what = config.reduceLrOnPlateau !== null ? "--reduce-lr-on-plateau" : `--schedule ${schedule}`;
    throw new UsageError(`--warmup-epochs works with --schedule cosine or constant, not with ${what}`);
  }
  if (warmupEpochs >= epochs)
    throw new UsageError(`--warmup-epochs (${warmupEpochs}) must be fewer than the epochs (${epochs})`);
  const lr = config.learningRate;
  const warmupSteps = warmupEpochs * batchesPerEpoch;
  const rest = (epochs - warmupEpochs) * batchesPerEpoch;
  const warmup = linearLr({
    lr,
    startFactor: 1 / warmupSteps,
    endFactor: 1,
    totalIters: warmupSteps - 1 || 1,
  });
  const after = schedule === "cosine" ? cosineAnnealingLr({ lr, tMax: rest }) : constantLr({ lr });
  return {
    schedule: sequentialLr({ schedules: [warmup, after], milestones: [warmupSteps] }),
    interval: "step",
    plateauMonitor: undefined,
  };
}

function buildSchedule(config: OptimizerConfig, batchesPerEpoch: number): Omit<BuiltOptimizer, "optimizer"> {
  if (config.warmupEpochs > 0) return withWarmup(config, batchesPerEpoch);
  const lr = config.learningRate;
  const plateau = config.reduceLrOnPlateau;
  if (plateau !== null) {
    if (config.schedule !== "constant") {
      throw new TrainerError(
        `--reduce-lr-on-plateau replaces the learning-rate schedule: add --schedule constant (the schedule is ${config.schedule})`,
      );
    }
    const mode = risesWhenBetter(plateau.monitor) ? "max" : "min";
    const schedule = reduceLrOnPlateau({
      lr,
      mode,
      factor: plateau.factor,
      patience: plateau.patience,
      minLr: plateau.minLr,
    });
    return { schedule, interval: "none", plateauMonitor: plateau.monitor };
  }
  switch (config.schedule) {
    case "constant":
      return { schedule: constantLr({ lr }), interval: "none", plateauMonitor: undefined };
    case "cosine":
      return {
        schedule: cosineAnnealingLr({ lr, tMax: config.epochs * batchesPerEpoch }),
        interval: "step",
        plateauMonitor: undefined,
      };
    case "step":
      return {
        schedule: stepLr({ lr, stepSize: config.stepSize, gamma: config.gamma }),
        interval: "epoch",
        plateauMonitor: undefined,
      };
    case "exponential":
      return {
        schedule: exponentialLr({ lr, gamma: config.gamma }),
        interval: "epoch",
        plateauMonitor: undefined,
      };
    case "one-cycle":
      // 1cycle: up from lr/25 to lr over the first 30% of the steps, then cosine down to lr/25e4.
      return {
        schedule: oneCycleLr({ maxLr: lr, totalSteps: config.epochs * batchesPerEpoch }),
        interval: "step",
        plateauMonitor: undefined,
      };
  }
}

/** The schedule type under which `buildOptimizer` hands a run's schedule to the registry. */
const RUN_SCHEDULE = "backprop.run-schedule";

/**
 * The optimizer a config names over `model`'s parameters, its learning rate a schedule (so it is
 * logged, and saved in the optimizer's state dict), with global-norm clipping first when asked.
 */
export function buildOptimizer(
  config: OptimizerConfig,
  model: Sequential,
  batchesPerEpoch: number,
  /** A schedule stepped after every batch instead of the configured one (lr-find's sweep). */
  schedule?: LrSchedule,
): BuiltOptimizer {
  const built =
    schedule === undefined
      ? buildSchedule(config, batchesPerEpoch)
      : { schedule, interval: "step" as const, plateauMonitor: undefined };
  // The optimizer comes from the registry; its learning rate is this run's schedule instance (the
  // trainer steps it), which a schedule type of this registry value hands over.
  const registry = createOptimizerRegistry();
  registry.registerSchedule(RUN_SCHEDULE, () => built.schedule);
  const sgdMomentum =
    config.optimizer === "momentum" || config.optimizer === "nesterov"
      ? { momentum: config.momentum, ...(config.optimizer === "nesterov" ? { nesterov: true } : {}) }
      : undefined;
  const transform = registry.create({
    type: sgdMomentum === undefined ? config.optimizer : "sgd",
    options: { lr: { type: RUN_SCHEDULE, options: {} }, weightDecay: config.weightDecay, ...sgdMomentum },
  });
  const clipped =
    config.clipNorm === undefined
      ? transform
      : chain(clipByGlobalNorm({ maxNorm: config.clipNorm }), transform);
  return { ...built, optimizer: new Optimizer(clipped, model.parameters()) };
}
