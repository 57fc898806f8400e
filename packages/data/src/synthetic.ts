import { allocateArray, type DType, type FloatArray, fromArray } from "@backprop/tensor";
import {
  type ClassificationDataset,
  classificationDataset,
  defaultNames,
  type RegressionDataset,
  regressionDataset,
  subset,
} from "./dataset.js";
import { DataError } from "./errors.js";
import { type RngLike, toRng } from "./split.js";

/** Options every synthetic dataset takes: the seed (or generator) and the dtype. */
export interface SyntheticOptions {
  /** Generator or seed; seed 0 unless given. The same seed gives the same data. */
  rng?: RngLike;
  /** Feature (and regression-target) dtype; float32 unless given. */
  dtype?: DType;
}

function checkCount(op: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new DataError(op, `${name} must be an integer ≥ ${min}, got ${value}`);
}

function checkNoise(op: string, noise: number): void {
  if (!(noise >= 0 && Number.isFinite(noise)))
    throw new DataError(op, `noise must be a finite number ≥ 0, got ${noise}`);
}

/** The elements of a [samples, width] feature matrix, filled in by the generator, then `fromArray`. */
function elements(samples: number, width: number, options: SyntheticOptions): FloatArray {
  return allocateArray(options.dtype ?? "float32", samples * width);
}

/** `count` evenly spaced values from `start` to `stop` inclusive (NumPy's linspace). */
function linspace(start: number, stop: number, count: number, i: number): number {
  return count > 1 ? start + ((stop - start) * i) / (count - 1) : start;
}

/** Options of the `xor` dataset: points in the four quadrants, labelled by the sign of x·y. */
export interface XorOptions extends SyntheticOptions {
  /** 200 unless given. */
  samples?: number;
  /** Standard deviation of Gaussian noise added to the points after labelling; 0 unless given. */
  noise?: number;
}

/**
 * The XOR problem in the plane (as in the TensorFlow Playground): points uniform in [−1, 1]², class
 * 1 when the signs of x and y differ (x XOR y), else 0. Not linearly separable: needs a hidden layer.
 */
export function xor(options: XorOptions = {}): ClassificationDataset {
  const { samples = 200, noise = 0 } = options;
  checkCount("xor", "samples", samples, 1);
  checkNoise("xor", noise);
  const rng = toRng("xor", options.rng);
  const x = elements(samples, 2, options);
  const targets = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const a = rng.uniformIn(-1, 1);
    const b = rng.uniformIn(-1, 1);
    targets[i] = a > 0 !== b > 0 ? 1 : 0;
    x[2 * i] = a + noise * rng.normal();
    x[2 * i + 1] = b + noise * rng.normal();
  }
  const features = fromArray(x, [samples, 2]);
  return classificationDataset({ features, targets, classNames: ["0", "1"], featureNames: ["x", "y"] });
}

/** Options of the `spiral` dataset (CS231n's): interleaved arms, one class per arm. */
export interface SpiralOptions extends SyntheticOptions {
  /** Points per arm; 100 unless given. */
  samplesPerClass?: number;
  /** Arms (= classes); 3 unless given. */
  classes?: number;
  /** Standard deviation of the angle noise; 0.2 unless given (CS231n's value). */
  noise?: number;
}

/**
 * CS231n's spiral: arm j has radius r = linspace(0, 1, N) and angle t = linspace(4j, 4(j+1), N) +
 * N(0, noise²), point (r sin t, r cos t), class j. Rows are grouped by class.
 */
export function spiral(options: SpiralOptions = {}): ClassificationDataset {
  const { samplesPerClass = 100, classes = 3, noise = 0.2 } = options;
  checkCount("spiral", "samplesPerClass", samplesPerClass, 1);
  checkCount("spiral", "classes", classes, 2);
  checkNoise("spiral", noise);
  const rng = toRng("spiral", options.rng);
  const n = samplesPerClass * classes;
  const x = elements(n, 2, options);
  const targets = new Int32Array(n);
  for (let j = 0; j < classes; j++) {
    for (let i = 0; i < samplesPerClass; i++) {
      const row = j * samplesPerClass + i;
      const r = linspace(0, 1, samplesPerClass, i);
      const t = linspace(4 * j, 4 * (j + 1), samplesPerClass, i) + noise * rng.normal();
      x[2 * row] = r * Math.sin(t);
      x[2 * row + 1] = r * Math.cos(t);
      targets[row] = j;
    }
  }
  return classificationDataset({
    features: fromArray(x, [n, 2]),
    targets,
    classNames: defaultNames("", classes),
    featureNames: ["x", "y"],
  });
}

/** Options of the `circles` dataset: two concentric noisy circles, one class each. */
export interface CirclesOptions extends SyntheticOptions {
  /** 100 unless given: ⌊n/2⌋ on the outer circle, the rest on the inner one. */
  samples?: number;
  /** Standard deviation of Gaussian noise added to every coordinate; 0 unless given. */
  noise?: number;
  /** Inner radius / outer radius, in [0, 1); 0.8 unless given. */
  factor?: number;
  /** Shuffle the rows (true unless given; false keeps outer then inner). */
  shuffle?: boolean;
}

/**
 * scikit-learn's make_circles: ⌊n/2⌋ points evenly spaced on the unit circle (class 0) and the rest
 * on a circle of radius `factor` (class 1), plus N(0, noise²) on every coordinate.
 */
export function circles(options: CirclesOptions = {}): ClassificationDataset {
  const { samples = 100, noise = 0, factor = 0.8 } = options;
  checkCount("circles", "samples", samples, 2);
  checkNoise("circles", noise);
  if (!(factor >= 0 && factor < 1)) throw new DataError("circles", `factor must be in [0, 1), got ${factor}`);
  const rng = toRng("circles", options.rng);
  const outer = Math.floor(samples / 2);
  const inner = samples - outer;
  const x = elements(samples, 2, options);
  const targets = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const onOuter = i < outer;
    const count = onOuter ? outer : inner;
    const angle = (2 * Math.PI * (onOuter ? i : i - outer)) / count;
    const radius = onOuter ? 1 : factor;
    x[2 * i] = radius * Math.cos(angle);
    x[2 * i + 1] = radius * Math.sin(angle);
    targets[i] = onOuter ? 0 : 1;
  }
  let dataset = classificationDataset({
    features: fromArray(x, [samples, 2]),
    targets,
    classNames: ["outer", "inner"],
    featureNames: ["x", "y"],
  });
  if (options.shuffle ?? true)
    dataset = subset(dataset, rng.shuffle(Int32Array.from({ length: samples }, (_, i) => i)));
  if (noise > 0) {
    const noisy = dataset.features.read();
    for (let i = 0; i < noisy.length; i++) noisy[i]! += noise * rng.normal();
    dataset.features.write(noisy);
  }
  return dataset;
}

/** Options of the `sine` regression dataset: y = sin(x) + noise. */
export interface SineOptions extends SyntheticOptions {
  /** 200 unless given. */
  samples?: number;
  /** Standard deviation of the Gaussian noise on y; 0.1 unless given. */
  noise?: number;
  /** Interval x is drawn from uniformly; [−π, π] unless given. */
  range?: readonly [number, number];
}

/** Regression: x ~ U[range], y = sin(x) + N(0, noise²); features [n, 1], targets [n, 1]. */
export function sine(options: SineOptions = {}): RegressionDataset {
  const { samples = 200, noise = 0.1, range = [-Math.PI, Math.PI] } = options;
  checkCount("sine", "samples", samples, 1);
  checkNoise("sine", noise);
  const [low, high] = range;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new DataError("sine", `range must be [low, high] with low < high, got ${JSON.stringify(range)}`);
  }
  const rng = toRng("sine", options.rng);
  const x = elements(samples, 1, options);
  const y = elements(samples, 1, options);
  for (let i = 0; i < samples; i++) {
    const value = rng.uniformIn(low, high);
    x[i] = value;
    y[i] = Math.sin(value) + noise * rng.normal();
  }
  return regressionDataset({
    features: fromArray(x, [samples, 1]),
    targets: fromArray(y, [samples, 1]),
    featureNames: ["x"],
    targetNames: ["y"],
  });
}
