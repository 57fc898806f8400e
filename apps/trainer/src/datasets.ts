import {
  type ClassificationDataset,
  circles,
  DataError,
  type Dataset,
  datasetOnBackend,
  datasetSize,
  MinMaxScaler,
  type Scaler,
  type ScalerJSON,
  type Splits,
  StandardScaler,
  sine,
  spiral,
  splitDataset,
  subset,
  withFeatures,
  xor,
} from "@backprop/data";
import {
  FASHION_MNIST_DIR,
  type IdxDirectorySplitOptions,
  loadFashionMnistSplits,
  loadMnistSplits,
  readCsvFile,
} from "@backprop/data/node";
import { type Backend, jsBackend } from "@backprop/tensor";
import type { TrainConfig } from "./config.js";
import { TrainerError, UsageError } from "./errors.js";

/** The dataset settings of a run (a subset of `TrainConfig`). */
export type DataConfig = Pick<
  TrainConfig,
  | "dataset"
  | "dataDir"
  | "target"
  | "task"
  | "limit"
  | "testSplit"
  | "validationSplit"
  | "scale"
  | "standardizeTargets"
  | "samples"
  | "noise"
  | "seed"
  | "dtype"
>;

/** What a saved model needs to treat new inputs exactly as its training data: `preprocessing.json`. */
export interface Preprocessing {
  format: "backprop.preprocessing";
  version: 1;
  task: "classification" | "regression";
  /** The dataset the model was trained on. */
  dataset: string;
  featureNames: string[];
  /** Classification: the class of each output, in order. */
  classNames?: string[] | undefined;
  /** Regression: the name of each output. */
  targetNames?: string[] | undefined;
  /**
   * The first step on raw inputs, when the dataset had one: every feature divided by this number
   * (255: image pixels 0–255 to [0, 1], as the IDX and digits loaders do). `predict` applies it to
   * the CSV it reads; undefined: none.
   */
  divideBy?: number | undefined;
  /** The second step: the feature scaler fitted on the training split (null: none). */
  scaler: ScalerJSON | null;
  /**
   * Regression: the standard scaler of the targets fitted on the training split; the model predicts
   * standardised targets, which predict and the metrics map back (t = mean + std · y). Null or
   * absent: the model predicts the targets themselves.
   */
  targetScaler?: ScalerJSON | null | undefined;
}

/** A dataset cut into splits and scaled, with what the model and predict need to know about it. */
export interface PreparedData {
  train: Dataset;
  /** Undefined when validationSplit is 0. */
  validation: Dataset | undefined;
  test: Dataset | undefined;
  /** Input width and output width of the network. */
  inputs: number;
  outputs: number;
  preprocessing: Preprocessing;
  /** Fitted on the training split; undefined without scaling. */
  scaler: Scaler | undefined;
  /** Regression with standardizeTargets: fitted on the training targets (the splits hold standardised targets). */
  targetScaler: Scaler | undefined;
  /** True when the task was guessed from a CSV target column (no --task): the data line says so. */
  taskGuessed: boolean;
}

/**
 * The raw data: one dataset to split, or a train file and a test file, each split as it is read
 * (only the rows a split keeps are converted, straight onto the backend: see `idxSplits`).
 */
interface RawData {
  all?: Dataset;
  files?: Record<"train" | "test", (options: IdxDirectorySplitOptions) => Splits<ClassificationDataset>>;
  /** Default scaling under scale "auto". */
  autoScale: "none" | "standard";
  /** What the loader divided the raw values by (255 for pixels), recorded for predict. */
  divideBy?: number;
}

/** The image loaders' pixels are 0–255 divided by this, to [0, 1]. */
const PIXEL_MAX = 255;

/** Runs a dataset loader; its DataError speaks the CLI's flag (--data-dir) instead of the option (dataDir). */
function withFlagNames<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof DataError)
      throw new TrainerError(error.message.replace(/\bdataDir\b/g, "--data-dir <dir>"), { cause: error });
    throw error;
  }
}

async function loadRaw(config: DataConfig): Promise<RawData> {
  const { dataset, dtype, seed } = config;
  const synthetic = { rng: seed, dtype, ...(config.noise === undefined ? {} : { noise: config.noise }) };
  switch (dataset) {
    case "digits": {
      // Imported on demand: the 21 MB of built-in digits load only when a command uses them.
      const { loadDigits } = await import("@backprop/data/mnist");
      return { all: loadDigits({ dtype }), autoScale: "none", divideBy: PIXEL_MAX };
    }
    case "fashion-mnist": {
      const dataDir = config.dataDir ?? FASHION_MNIST_DIR;
      const load = (split: "train" | "test") => (options: IdxDirectorySplitOptions) =>
        withFlagNames(() => loadFashionMnistSplits({ ...options, dataDir, split, dtype }));
      return { files: { train: load("train"), test: load("test") }, autoScale: "none", divideBy: PIXEL_MAX };
    }
    case "mnist": {
      if (config.dataDir === undefined)
        throw new UsageError("--dataset mnist needs --data-dir <directory with the MNIST IDX files>");
      const dataDir = config.dataDir;
      const load = (split: "train" | "test") => (options: IdxDirectorySplitOptions) =>
        withFlagNames(() => loadMnistSplits({ ...options, dataDir, split, dtype }));
      return { files: { train: load("train"), test: load("test") }, autoScale: "none", divideBy: PIXEL_MAX };
    }
    case "xor":
      return { all: xor({ ...synthetic, samples: config.samples }), autoScale: "standard" };
    case "spiral":
      return {
        all: spiral({ ...synthetic, samplesPerClass: Math.ceil(config.samples / 3) }),
        autoScale: "standard",
      };
    case "circles":
      return { all: circles({ ...synthetic, samples: config.samples }), autoScale: "standard" };
    case "sine":
      return { all: sine({ ...synthetic, samples: config.samples }), autoScale: "standard" };
  }
  if (!dataset.startsWith("csv:")) throw new TrainerError(`unknown dataset "${dataset}"`);
  if (config.target === undefined)
    throw new UsageError(`--dataset ${dataset} needs --target <column> (the column to predict)`);
  const column = /^\d+$/.test(config.target) ? Number(config.target) : config.target;
  const all = readCsvFile(dataset.slice(4), {
    target: column,
    dtype,
    ...(config.task === undefined ? {} : { task: config.task }),
  });
  return { all, autoScale: "standard" };
}

/** At most `limit` rows of an (already shuffled) split. */
function cap<D extends Dataset>(data: D, limit: number | undefined): D {
  const n = datasetSize(data);
  if (limit === undefined || n <= limit) return data;
  return subset(
    data,
    Int32Array.from({ length: limit }, (_, i) => i),
  );
}

function applyScaler<D extends Dataset>(data: D, scaler: Scaler | undefined): D {
  return scaler === undefined ? data : withFeatures(data, scaler.transform(data.features));
}

/** A regression dataset's targets through `scaler` (t' = (t − mean) / std); anything else as it is. */
export function withScaledTargets<D extends Dataset>(data: D, scaler: Scaler | undefined): D {
  if (scaler === undefined || data.task !== "regression") return data;
  return { ...data, targets: scaler.transform(data.targets) };
}

/**
 * Loads the configured dataset, splits it (seeded; stratified for classification), caps the splits
 * at `limit`, fits the scaler on the training split, applies it to every split, and places the data
 * on `backend`.
 */
export async function prepareData(config: DataConfig, backend: Backend = jsBackend): Promise<PreparedData> {
  const raw = await loadRaw(config);
  const task = raw.all?.task ?? "classification";
  const stratify = task === "classification";
  const kind = config.scale === "auto" ? raw.autoScale : config.scale;
  const scalesTargets = task === "regression" && config.standardizeTargets;
  // With no scaler to fit on the split, the split's rows go straight onto the backend (one copy).
  const onto = kind === "none" && !scalesTargets ? { backend } : {};
  let train: Dataset;
  let validation: Dataset;
  let test: Dataset;
  if (raw.all !== undefined) {
    ({ train, validation, test } = splitDataset(raw.all, {
      test: config.testSplit,
      validation: config.validationSplit,
      rng: config.seed,
      stratify,
      ...onto,
    }));
  } else {
    const files = raw.files!;
    ({ train, validation } = files.train({
      test: 0,
      validation: config.validationSplit,
      rng: config.seed,
      stratify,
      ...onto,
    }));
    test = files.test({ test: 0, rng: config.seed, ...onto }).train;
  }
  train = cap(train, config.limit);
  validation = cap(validation, config.limit);
  test = cap(test, config.limit);
  if (datasetSize(train) === 0)
    throw new TrainerError(`dataset ${config.dataset}: no samples are left for training`);
  const scaler: Scaler | undefined =
    kind === "standard"
      ? StandardScaler.fit(train.features)
      : kind === "minmax"
        ? MinMaxScaler.fit(train.features)
        : undefined;
  const targetScaler =
    scalesTargets && train.task === "regression" ? StandardScaler.fit(train.targets) : undefined;
  const prepare = <D extends Dataset>(data: D): D | undefined =>
    datasetSize(data) === 0
      ? undefined
      : datasetOnBackend(withScaledTargets(applyScaler(data, scaler), targetScaler), backend);
  const inputs = train.features.shape[1]!;
  const outputs = train.task === "classification" ? train.classNames.length : train.targets.shape[1]!;
  const preprocessing: Preprocessing = {
    format: "backprop.preprocessing",
    version: 1,
    task: train.task,
    dataset: config.dataset,
    featureNames: [...train.featureNames],
    ...(train.task === "classification"
      ? { classNames: [...train.classNames] }
      : { targetNames: [...train.targetNames] }),
    ...(raw.divideBy === undefined ? {} : { divideBy: raw.divideBy }),
    scaler: scaler?.toJSON() ?? null,
    ...(train.task === "regression" ? { targetScaler: targetScaler?.toJSON() ?? null } : {}),
  };
  return {
    train: prepare(train)!,
    validation: prepare(validation),
    test: prepare(test),
    taskGuessed: config.dataset.startsWith("csv:") && config.task === undefined,
    inputs,
    outputs,
    preprocessing,
    scaler,
    targetScaler,
  };
}

/** One-line description of a prepared dataset: `digits: 7,200 train / 800 validation / 2,000 test, 784 features, 10 classes`. */
export function describeData(data: PreparedData, name: string): string {
  const count = (d: Dataset | undefined) => (d === undefined ? 0 : datasetSize(d)).toLocaleString("en-US");
  const what =
    data.preprocessing.task === "classification" ? `${data.outputs} classes` : `${data.outputs} targets`;
  const task = data.preprocessing.task;
  const guessed = data.taskGuessed
    ? ` (${task}, guessed from the target column; --task ${task === "classification" ? "regression" : "classification"} to change)`
    : "";
  return `${name}: ${count(data.train)} train / ${count(data.validation)} validation / ${count(data.test)} test, ${data.inputs} features, ${what}${guessed}`;
}
