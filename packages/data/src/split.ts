import { type Backend, Rng } from "@backprop/tensor";
import { type Dataset, datasetSize, type Splits, subset } from "./dataset.js";
import { DataError } from "./errors.js";

/** A generator, or a seed for a new one. */
export type RngLike = Rng | number;

/** The generator an option names: a given `Rng` is used (and advanced), a seed makes a new one. */
export function toRng(op: string, rng: RngLike | undefined): Rng {
  if (rng instanceof Rng) return rng;
  const seed = rng ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new DataError(op, `seed must be a non-negative safe integer, got ${seed}`);
  return new Rng(seed);
}

/** Options of `splitDataset`: the validation and test fractions and the shuffle's seed. */
export interface SplitOptions {
  /** Fraction of the samples for the validation split, in [0, 1); 0 unless given. */
  validation?: number;
  /** Fraction of the samples for the test split, in [0, 1); 0.2 unless given. */
  test?: number;
  /** Generator or seed for the shuffle; seed 0 unless given. The same seed gives the same splits. */
  rng?: RngLike;
  /**
   * Classification only: split each class separately, so every split keeps the class proportions
   * (each class gives round(n_c · test) samples to test and round(n_c · validation) to validation).
   */
  stratify?: boolean;
  /**
   * Where the splits' tensors go; the dataset's backend unless given. Each row is written there
   * straight from the source, so a dataset split onto the backend it trains on is copied once.
   */
  backend?: Backend;
}

/** Options of `splitIndices`: `SplitOptions` without the backend, and the labels to stratify by. */
export interface SplitIndicesOptions extends Omit<SplitOptions, "stratify" | "backend"> {
  /**
   * Split each class separately (as `stratify` does): the label of every sample, in [0, classes).
   */
  stratifyBy?: { labels: ArrayLike<number>; classes: number };
}

/** The rows of each split, as `splitDataset` cuts a dataset of n samples: the same seed, the same rows. */
export interface SplitRows {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/**
 * The sample indices `splitDataset` puts in each split of n samples, in their order: shuffled with
 * a seeded `Rng` (per class with `stratifyBy`), round(n · test) to test and round(n · validation) to
 * validation, the rest to train, then each split shuffled. For loaders that build only the rows
 * each split needs (`idxSplits`).
 */
export function splitIndices(n: number, options: SplitIndicesOptions = {}): SplitRows {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new DataError("splitIndices", `n must be a non-negative integer, got ${n}`);
  return cutRows("splitIndices", n, options);
}

/** splitIndices' rows, with errors naming `op`. */
function cutRows(op: string, n: number, options: SplitIndicesOptions): SplitRows {
  const test = options.test ?? 0.2;
  const validation = options.validation ?? 0;
  for (const [name, fraction] of [
    ["test", test],
    ["validation", validation],
  ] as const) {
    if (!(fraction >= 0 && fraction < 1))
      throw new DataError(op, `${name} fraction must be in [0, 1), got ${fraction}`);
  }
  if (test + validation >= 1) {
    throw new DataError(
      op,
      `test + validation fractions must leave samples for training, got ${test} + ${validation}`,
    );
  }
  const rng = toRng(op, options.rng);
  const groups: Int32Array[] = [];
  const by = options.stratifyBy;
  if (by !== undefined) {
    if (by.labels.length !== n)
      throw new DataError(op, `stratifyBy has ${by.labels.length} labels for ${n} samples`);
    const byClass: number[][] = Array.from({ length: by.classes }, () => []);
    for (let i = 0; i < n; i++) {
      const members = byClass[by.labels[i]!];
      if (members === undefined)
        throw new DataError(op, `label ${by.labels[i]} of sample ${i} is not in [0, ${by.classes})`);
      members.push(i);
    }
    for (const members of byClass) groups.push(Int32Array.from(members));
  } else {
    groups.push(Int32Array.from({ length: n }, (_, i) => i));
  }
  const parts: { test: number[]; validation: number[]; train: number[] } = {
    test: [],
    validation: [],
    train: [],
  };
  for (const group of groups) {
    rng.shuffle(group);
    const nTest = Math.round(group.length * test);
    const nValidation = Math.min(Math.round(group.length * validation), group.length - nTest);
    group.forEach((index, position) => {
      const part =
        position < nTest ? parts.test : position < nTest + nValidation ? parts.validation : parts.train;
      part.push(index);
    });
  }
  return {
    train: Int32Array.from(rng.shuffle(parts.train)),
    validation: Int32Array.from(rng.shuffle(parts.validation)),
    test: Int32Array.from(rng.shuffle(parts.test)),
  };
}

/**
 * Shuffles the samples with a seeded `Rng` and cuts them into train / validation / test
 * (round(n · test) test samples, round(n · validation) validation samples, the rest train; the rows
 * are `splitIndices`'). Each split is a copy. Fit scalers on `train` only, then apply them to all three.
 */
export function splitDataset<D extends Dataset>(dataset: D, options: SplitOptions = {}): Splits<D> {
  if (options.stratify === true && dataset.task !== "classification")
    throw new DataError("splitDataset", "stratify needs a classification dataset");
  const { stratify, backend = dataset.features.backend, ...fractions } = options;
  const rows = cutRows("splitDataset", datasetSize(dataset), {
    ...fractions,
    ...(stratify === true && dataset.task === "classification"
      ? { stratifyBy: { labels: dataset.targets, classes: dataset.classNames.length } }
      : {}),
  });
  return {
    train: subset(dataset, rows.train, backend),
    validation: subset(dataset, rows.validation, backend),
    test: subset(dataset, rows.test, backend),
  };
}
