import { type Backend, formatShape, type Tensor } from "@backprop/tensor";
import { DataError } from "./errors.js";
import { copyOnto, selectRowsOnto } from "./onto-backend.js";

/** Samples with class labels: `targets[i]` indexes `classNames`. */
export interface ClassificationDataset {
  readonly task: "classification";
  /** One sample per row: [n, d]. */
  readonly features: Tensor;
  /** n class indices in [0, classNames.length). */
  readonly targets: Int32Array;
  /** Class names in index order; saved with a model so `predict` can name its answers. */
  readonly classNames: readonly string[];
  /** d column names. */
  readonly featureNames: readonly string[];
}

/** Samples with real-valued targets: [n, k]. */
export interface RegressionDataset {
  readonly task: "regression";
  readonly features: Tensor;
  /** One target row per sample: [n, k]. */
  readonly targets: Tensor;
  /** k target names. */
  readonly targetNames: readonly string[];
  readonly featureNames: readonly string[];
}

/** A dataset of either task: classification (class indices) or regression (a target tensor). */
export type Dataset = ClassificationDataset | RegressionDataset;

/** A dataset cut into disjoint parts; `validation` and `test` may have no rows. */
export interface Splits<D extends Dataset = Dataset> {
  train: D;
  validation: D;
  test: D;
}

/** `x0, x1, …` for a dataset whose columns have no names. */
export function defaultNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

function checkFeatures(
  op: string,
  features: Tensor,
  featureNames: readonly string[] | undefined,
): readonly string[] {
  if (features.rank !== 2) {
    throw new DataError(op, `features must have shape [n, d], got ${formatShape(features.shape)}`);
  }
  const d = features.shape[1]!;
  const names = featureNames ?? defaultNames("x", d);
  if (names.length !== d) {
    throw new DataError(op, `${names.length} feature names for ${d} feature columns`);
  }
  return Object.freeze([...names]);
}

/** What a `ClassificationDataset` is made from: features [n, d], one class index per row, the class names (and optional feature names). */
export interface ClassificationDatasetInit {
  features: Tensor;
  targets: Int32Array;
  classNames: readonly string[];
  featureNames?: readonly string[];
}

/** A validated classification dataset: features [n, d], n labels each in [0, classNames.length). */
export function classificationDataset(init: ClassificationDatasetInit): ClassificationDataset {
  const op = "classificationDataset";
  const featureNames = checkFeatures(op, init.features, init.featureNames);
  const n = init.features.shape[0]!;
  if (init.targets.length !== n) {
    throw new DataError(op, `features have ${n} rows but there are ${init.targets.length} labels`);
  }
  const k = init.classNames.length;
  if (new Set(init.classNames).size !== k) {
    throw new DataError(op, `class names must be unique, got ${JSON.stringify(init.classNames)}`);
  }
  for (let i = 0; i < n; i++) {
    const label = init.targets[i]!;
    if (label < 0 || label >= k) {
      throw new DataError(op, `label ${label} of sample ${i} is outside [0, ${k}) (${k} class names)`);
    }
  }
  return {
    task: "classification",
    features: init.features,
    targets: init.targets,
    classNames: Object.freeze([...init.classNames]),
    featureNames,
  };
}

/** What a `RegressionDataset` is made from: features [n, d], targets [n, k] (and optional feature and target names). */
export interface RegressionDatasetInit {
  features: Tensor;
  targets: Tensor;
  featureNames?: readonly string[];
  targetNames?: readonly string[];
}

/** A validated regression dataset: features [n, d], targets [n, k]. */
export function regressionDataset(init: RegressionDatasetInit): RegressionDataset {
  const op = "regressionDataset";
  const featureNames = checkFeatures(op, init.features, init.featureNames);
  const n = init.features.shape[0]!;
  const { targets } = init;
  if (targets.rank !== 2 || targets.shape[0] !== n) {
    throw new DataError(
      op,
      `targets must have shape [${n}, k] to match features, got ${formatShape(targets.shape)}`,
    );
  }
  const k = targets.shape[1]!;
  const targetNames = init.targetNames ?? defaultNames("y", k);
  if (targetNames.length !== k)
    throw new DataError(op, `${targetNames.length} target names for ${k} target columns`);
  return {
    task: "regression",
    features: init.features,
    targets,
    featureNames,
    targetNames: Object.freeze([...targetNames]),
  };
}

/** Number of samples (rows). */
export function datasetSize(dataset: Dataset): number {
  return dataset.features.shape[0]!;
}

/**
 * A new dataset holding copies of the rows `indices` (in that order), on `backend` (the features'
 * own unless given: rows are written there straight from the source); names are kept.
 */
export function subset<D extends Dataset>(
  dataset: D,
  indices: ArrayLike<number>,
  backend: Backend = dataset.features.backend,
): D {
  const n = datasetSize(dataset);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new DataError("subset", `index ${index} (position ${i}) is outside [0, ${n})`);
    }
  }
  const rows = Int32Array.from(indices);
  const features = selectRowsOnto(dataset.features, rows, backend);
  if (dataset.task === "classification") {
    const targets = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) targets[i] = dataset.targets[indices[i]!]!;
    return { ...dataset, features, targets };
  }
  return { ...dataset, features, targets: selectRowsOnto(dataset.targets, rows, backend) };
}

/** The same dataset with other features of the same shape (e.g. scaled ones). */
export function withFeatures<D extends Dataset>(dataset: D, features: Tensor): D {
  const { shape } = dataset.features;
  if (features.rank !== 2 || features.shape[0] !== shape[0] || features.shape[1] !== shape[1]) {
    throw new DataError(
      "withFeatures",
      `expected features of shape ${formatShape(shape)}, got ${formatShape(features.shape)}`,
    );
  }
  return { ...dataset, features };
}

/**
 * The dataset with its tensors (the features, and a regression's targets) on `backend`: each one
 * not there already copied (from its CPU elements, or through `read` from any other backend), the
 * others kept as they are.
 */
export function datasetOnBackend<D extends Dataset>(dataset: D, backend: Backend): D {
  const moved = withFeatures(dataset, copyOnto(dataset.features, backend));
  return dataset.task === "regression"
    ? ({ ...moved, targets: copyOnto(dataset.targets, backend) } as D)
    : moved;
}
