import { allocateArray, type DType, fromArray, sizeOf } from "@backprop/tensor";
import { type ClassificationDataset, classificationDataset, defaultNames } from "./dataset.js";
import { DataError } from "./errors.js";
import type { IdxArray } from "./idx.js";

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
  /** Name the two inputs in error messages. */
  imagesFile?: string;
  labelsFile?: string;
}

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
  const op = "idxDataset";
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
  const x = allocateArray(options.dtype ?? "float32", n * d);
  const pixels = images.data;
  for (let i = 0; i < n * d; i++) x[i] = pixels[i]! / 255;
  const targets = Int32Array.from(labels.data.subarray(0, n));
  let classNames = options.classNames;
  if (classNames === undefined) {
    let largest = -1;
    for (const label of labels.data) largest = Math.max(largest, label);
    classNames = defaultNames("", largest + 1);
  }
  for (let i = 0; i < n; i++) {
    if (targets[i]! >= classNames.length) {
      throw new DataError(
        op,
        `label ${targets[i]} of sample ${i} is not below the ${classNames.length} classes`,
        {
          ...labelsAt,
          offset: 8 + i,
        },
      );
    }
  }
  return classificationDataset({
    features: fromArray(x, [n, d]),
    targets,
    classNames,
    featureNames: defaultNames("pixel", d),
  });
}
