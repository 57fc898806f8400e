import { allocateArray, type Backend, type DType, sizeOf, zeros } from "@backprop/tensor";
import { type ClassificationDataset, classificationDataset, defaultNames, type Splits } from "./dataset.js";
import { DataError } from "./errors.js";
import type { IdxArray } from "./idx.js";
import { type SplitOptions, splitIndices } from "./split.js";

/** The ten Fashion-MNIST classes, in label order (Zalando Research, 2017). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
]);

/** The ten digit classes "0" … "9". */
export const DIGIT_CLASSES: readonly string[] = Object.freeze(defaultNames("", 10));

/** Options for building a classification dataset from an IDX images file and an IDX labels file. */
export interface IdxDatasetOptions {
  /** Class names in label order; "0", "1", … (one per label value up to the largest) unless given. */
  classNames?: readonly string[];
  /** Feature dtype; float32 unless given. */
  dtype?: DType;
  /** Keep only the first `limit` samples. */
  limit?: number;
  /**
   * The samples to keep, in this order (indices among the first `limit`); all of them in file order
   * unless given. Only these rows are converted, so a split costs no whole-file copy.
   */
  rows?: Int32Array;
  /** Where the features are written, straight from the pixels; the JS backend unless given. */
  backend?: Backend;
  /** Name the two inputs in error messages. */
  imagesFile?: string;
  labelsFile?: string;
}

/** Rows of pixels converted per write: a buffer that stays in cache. */
const ROWS_PER_WRITE = 16;

/**
 * A classification dataset from an IDX image array ([n, h, w] or any [n, …] of uint8) and an IDX
 * label array ([n] of uint8): each image is flattened to h·w features scaled to [0, 1] (pixel / 255),
 * in row-major pixel order, as MNIST and Fashion-MNIST are used.
 */
export function idxDataset(
  images: IdxArray,
  labels: IdxArray,
  options: IdxDatasetOptions = {},
): ClassificationDataset {
  const { n, d, classNames } = checkIdxPair("idxDataset", images, labels, options);
  const rows = options.rows ?? Int32Array.from({ length: n }, (_, i) => i);
  rows.forEach((row, position) => {
    if (row < 0 || row >= n)
      throw new DataError("idxDataset", `rows[${position}] = ${row} is outside the samples [0, ${n})`);
  });
  const dtype = options.dtype ?? "float32";
  const features = zeros([rows.length, d], {
    dtype,
    ...(options.backend ? { backend: options.backend } : {}),
  });
  const buffer = allocateArray(dtype, Math.min(ROWS_PER_WRITE, rows.length) * d);
  const pixels = images.data;
  for (let first = 0; first < rows.length; first += ROWS_PER_WRITE) {
    const count = Math.min(ROWS_PER_WRITE, rows.length - first);
    for (let r = 0; r < count; r++) {
      const from = rows[first + r]! * d;
      for (let j = 0; j < d; j++) buffer[r * d + j] = pixels[from + j]! / 255;
    }
    features.write(count === ROWS_PER_WRITE ? buffer : buffer.subarray(0, count * d), first * d);
  }
  const targets = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) targets[r] = labels.data[rows[r]!]!;
  return classificationDataset({ features, targets, classNames, featureNames: defaultNames("pixel", d) });
}

/** Options of `idxSplits`: the dataset's (without `rows`) and the split's. */
export interface IdxSplitOptions extends Omit<IdxDatasetOptions, "rows">, Omit<SplitOptions, "backend"> {}

/**
 * `splitDataset(idxDataset(images, labels), options)` without the whole dataset in between: the
 * split's rows are chosen from the labels (the same rows for the same seed), then each split's
 * pixels are converted straight onto `backend`, so the images are converted once and no full-size
 * copy is made.
 */
export function idxSplits(
  images: IdxArray,
  labels: IdxArray,
  options: IdxSplitOptions = {},
): Splits<ClassificationDataset> {
  const { n, classNames } = checkIdxPair("idxSplits", images, labels, options);
  const { stratify = false, test, validation, rng, ...rest } = options;
  const rows = splitIndices(n, {
    ...(test === undefined ? {} : { test }),
    ...(validation === undefined ? {} : { validation }),
    ...(rng === undefined ? {} : { rng }),
    ...(stratify ? { stratifyBy: { labels: labels.data.subarray(0, n), classes: classNames.length } } : {}),
  });
  const build = (part: Int32Array) => idxDataset(images, labels, { ...rest, classNames, rows: part });
  return { train: build(rows.train), validation: build(rows.validation), test: build(rows.test) };
}

/**
 * Checks an IDX images / labels pair (uint8 [n, …] and uint8 [n], every label below the class
 * count) and returns the samples kept (at most `limit`), the features per sample and the class names.
 */
function checkIdxPair(
  op: string,
  images: IdxArray,
  labels: IdxArray,
  options: IdxDatasetOptions,
): { n: number; d: number; classNames: readonly string[] } {
  const imagesAt = options.imagesFile === undefined ? {} : { file: options.imagesFile };
  const labelsAt = options.labelsFile === undefined ? {} : { file: options.labelsFile };
  if (images.type !== "uint8" || images.shape.length < 2) {
    throw new DataError(
      op,
      `expected uint8 images of shape [n, …], got ${images.type} [${images.shape.join(",")}]`,
      imagesAt,
    );
  }
  if (labels.type !== "uint8" || labels.shape.length !== 1) {
    throw new DataError(
      op,
      `expected uint8 labels of shape [n], got ${labels.type} [${labels.shape.join(",")}]`,
      labelsAt,
    );
  }
  const available = images.shape[0]!;
  if (labels.shape[0] !== available) {
    throw new DataError(op, `${available} images but ${labels.shape[0]} labels`, labelsAt);
  }
  const limit = options.limit ?? available;
  if (!Number.isInteger(limit) || limit < 0)
    throw new DataError(op, `limit must be a non-negative integer, got ${limit}`);
  const n = Math.min(limit, available);
  const d = sizeOf(images.shape.slice(1));
  let classNames = options.classNames;
  if (classNames === undefined) {
    let largest = -1;
    for (const label of labels.data) largest = Math.max(largest, label);
    classNames = defaultNames("", largest + 1);
  }
  for (let i = 0; i < n; i++) {
    if (labels.data[i]! >= classNames.length) {
      throw new DataError(
        op,
        `label ${labels.data[i]} of sample ${i} is not below the ${classNames.length} classes`,
        {
          ...labelsAt,
          offset: 8 + i,
        },
      );
    }
  }
  return { n, d, classNames };
}
