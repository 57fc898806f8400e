import { Rng } from "@backprop/tensor";

/** One 2-D point of a playground data set: coordinates in [−6, 6]² and its label. */
export interface Point {
  x: number;
  y: number;
  /** Classification: −1 or +1. Regression: a value in [−1, 1]. */
  label: number;
}

export const CLASSIFICATION_DATASETS = ["circle", "xor", "gauss", "spiral"] as const;
export const REGRESSION_DATASETS = ["plane", "multigauss"] as const;
/** "csv" is the user's own file (see csv-data.ts). */
export type DatasetName =
  | (typeof CLASSIFICATION_DATASETS)[number]
  | (typeof REGRESSION_DATASETS)[number]
  | "csv";

/** The TensorFlow Playground's sample counts: 500 points to classify, 1200 to regress. */
export const SAMPLES_CLASSIFY = 500;
export const SAMPLES_REGRESS = 1200;

export function isRegressionDataset(name: DatasetName): boolean {
  return (REGRESSION_DATASETS as readonly string[]).includes(name);
}

/** x ~ N(mean, variance) */
function normal(rng: Rng, mean: number, variance: number): number {
  return mean + Math.sqrt(variance) * rng.normal();
}

/** Two Gaussian blobs at (2, 2) (label +1) and (−2, −2) (label −1), variance 0.5 … 4 as noise goes 0 … 0.5. */
function twoGaussians(n: number, noise: number, rng: Rng): Point[] {
  const variance = 0.5 + (noise / 0.5) * 3.5;
  const blob = (cx: number, cy: number, label: number) =>
    Array.from({ length: n / 2 }, () => ({
      x: normal(rng, cx, variance),
      y: normal(rng, cy, variance),
      label,
    }));
  return [...blob(2, 2, 1), ...blob(-2, -2, -1)];
}

/** Two interleaved spiral arms (label +1 and −1): r = 5i/n, t = 1.75·2π·i/n + Δt, plus uniform noise. */
function spiral(n: number, noise: number, rng: Rng): Point[] {
  const arm = (deltaT: number, label: number) =>
    Array.from({ length: n / 2 }, (_, i) => {
      const r = (i / (n / 2)) * 5;
      const t = ((1.75 * i) / (n / 2)) * 2 * Math.PI + deltaT;
      return {
        x: r * Math.sin(t) + rng.uniformIn(-1, 1) * noise,
        y: r * Math.cos(t) + rng.uniformIn(-1, 1) * noise,
        label,
      };
    });
  return [...arm(0, 1), ...arm(Math.PI, -1)];
}

/** A disc of radius 2.5 (label +1) inside a ring 3.5 … 5 (label −1); noise jitters the point the label is read at. */
function circle(n: number, noise: number, rng: Rng): Point[] {
  const radius = 5;
  const labelAt = (x: number, y: number) => (Math.hypot(x, y) < radius * 0.5 ? 1 : -1);
  const ring = (low: number, high: number) =>
    Array.from({ length: n / 2 }, () => {
      const r = rng.uniformIn(low, high);
      const angle = rng.uniformIn(0, 2 * Math.PI);
      const x = r * Math.sin(angle);
      const y = r * Math.cos(angle);
      const nx = rng.uniformIn(-radius, radius) * noise;
      const ny = rng.uniformIn(-radius, radius) * noise;
      return { x, y, label: labelAt(x + nx, y + ny) };
    });
  return [...ring(0, radius * 0.5), ...ring(radius * 0.7, radius)];
}

/** XOR: uniform in ±5 pushed 0.3 away from the axes; label +1 when x·y ≥ 0 (at the noise-jittered point). */
function xor(n: number, noise: number, rng: Rng): Point[] {
  const padding = 0.3;
  return Array.from({ length: n }, () => {
    let x = rng.uniformIn(-5, 5);
    x += x > 0 ? padding : -padding;
    let y = rng.uniformIn(-5, 5);
    y += y > 0 ? padding : -padding;
    const nx = rng.uniformIn(-5, 5) * noise;
    const ny = rng.uniformIn(-5, 5) * noise;
    return { x, y, label: (x + nx) * (y + ny) >= 0 ? 1 : -1 };
  });
}

/** Uniform points in ±6 labelled by `labelAt` at a noise-jittered position. */
function regression(n: number, noise: number, rng: Rng, labelAt: (x: number, y: number) => number): Point[] {
  return Array.from({ length: n }, () => {
    const x = rng.uniformIn(-6, 6);
    const y = rng.uniformIn(-6, 6);
    const nx = rng.uniformIn(-6, 6) * noise;
    const ny = rng.uniformIn(-6, 6) * noise;
    return { x, y, label: labelAt(x + nx, y + ny) };
  });
}

const clamp = (v: number, low: number, high: number) => Math.min(high, Math.max(low, v));

/** The plane t = (x + y) / 10, clamped to [−1, 1]. */
export function planeLabel(x: number, y: number): number {
  return clamp((x + y) / 10, -1, 1);
}

const GAUSSIANS: readonly (readonly [number, number, number])[] = [
  [-4, 2.5, 1],
  [0, 2.5, -1],
  [4, 2.5, 1],
  [-4, -2.5, -1],
  [0, -2.5, 1],
  [4, -2.5, -1],
];

/** Six signed bumps: t = the largest-magnitude of sign_k · max(0, 1 − |p − c_k| / 2). */
export function multiGaussianLabel(x: number, y: number): number {
  let label = 0;
  for (const [cx, cy, sign] of GAUSSIANS) {
    const value = sign * clamp(1 - Math.hypot(x - cx, y - cy) / 2, 0, 1);
    if (Math.abs(value) > Math.abs(label)) label = value;
  }
  return label;
}

/**
 * The TensorFlow Playground's data sets, seeded: `noise` in [0, 0.5] (the page's 0 … 50 %), points
 * in about [−6, 6]². Deterministic for a seed, so a shared link shows the same points.
 */
export function generateDataset(
  name: Exclude<DatasetName, "csv">,
  noise: number,
  seed: number,
  samples?: number,
): Point[] {
  const rng = new Rng(seed);
  const n = samples ?? (isRegressionDataset(name) ? SAMPLES_REGRESS : SAMPLES_CLASSIFY);
  switch (name) {
    case "circle":
      return circle(n, noise, rng);
    case "xor":
      return xor(n, noise, rng);
    case "gauss":
      return twoGaussians(n, noise, rng);
    case "spiral":
      return spiral(n, noise, rng);
    case "plane":
      return regression(n, noise, rng, planeLabel);
    case "multigauss":
      return regression(n, noise, rng, multiGaussianLabel);
  }
}

/** A seeded Fisher–Yates shuffle, then the first ⌊ratio·n⌉ points train and the rest test. */
export function splitTrainTest(
  points: readonly Point[],
  trainRatio: number,
  seed: number,
): {
  train: Point[];
  test: Point[];
} {
  const rng = new Rng(seed ^ 0x5eed);
  const order = points.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const nTrain = Math.round(order.length * trainRatio);
  return { train: order.slice(0, nTrain), test: order.slice(nTrain) };
}
