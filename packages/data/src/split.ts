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

/**
 * Shuffles the samples with a seeded `Rng` and cuts them into train / validation / test
 * (round(n · test) test samples, round(n · validation) validation samples, the rest train). Each
 * split is a copy. Fit scalers on `train` only, then apply them to all three.
 */
export function splitDataset<D extends Dataset>(dataset: D, options: SplitOptions = {}): Splits<D> {
  const op = "splitDataset";
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
  const n = datasetSize(dataset);
  const groups: Int32Array[] = [];
  if (options.stratify === true) {
    if (dataset.task !== "classification") throw new DataError(op, "stratify needs a classification dataset");
    const byClass: number[][] = dataset.classNames.map(() => []);
    dataset.targets.forEach((label, i) => {
      byClass[label]!.push(i);
    });
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
  const backend = options.backend ?? dataset.features.backend;
  return {
    train: subset(dataset, rng.shuffle(parts.train), backend),
    validation: subset(dataset, rng.shuffle(parts.validation), backend),
    test: subset(dataset, rng.shuffle(parts.test), backend),
  };
}
