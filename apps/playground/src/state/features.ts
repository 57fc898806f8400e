/** The input features of the TensorFlow Playground, computed from a point (x₁, x₂). */
export const FEATURES = {
  x1: { label: "X₁", of: (x1: number, _x2: number) => x1 },
  x2: { label: "X₂", of: (_x1: number, x2: number) => x2 },
  x1sq: { label: "X₁²", of: (x1: number, _x2: number) => x1 * x1 },
  x2sq: { label: "X₂²", of: (_x1: number, x2: number) => x2 * x2 },
  x1x2: { label: "X₁X₂", of: (x1: number, x2: number) => x1 * x2 },
  sinx1: { label: "sin(X₁)", of: (x1: number, _x2: number) => Math.sin(x1) },
  sinx2: { label: "sin(X₂)", of: (_x1: number, x2: number) => Math.sin(x2) },
} as const;

export type FeatureName = keyof typeof FEATURES;
export const FEATURE_NAMES = Object.keys(FEATURES) as FeatureName[];

export function isFeatureName(value: string): value is FeatureName {
  return Object.hasOwn(FEATURES, value);
}

/** Column names of exported files: plain ASCII, the same order as `features`. */
export const FEATURE_COLUMNS: Record<FeatureName, string> = {
  x1: "x1",
  x2: "x2",
  x1sq: "x1^2",
  x2sq: "x2^2",
  x1x2: "x1*x2",
  sinx1: "sin(x1)",
  sinx2: "sin(x2)",
};

/** The feature rows of points, row-major [n, features.length]: row i is (f(x_i, y_i) for f in features). */
export function featureMatrix(
  points: readonly { x: number; y: number }[],
  features: readonly FeatureName[],
): Float32Array {
  const out = new Float32Array(points.length * features.length);
  points.forEach((p, i) => {
    features.forEach((name, j) => {
      out[i * features.length + j] = FEATURES[name].of(p.x, p.y);
    });
  });
  return out;
}

/** The domain the pictures show: [−6, 6] on both axes. */
export const DOMAIN = 6;

/** The centres of a size×size grid over the domain, row by row from the top (x₂ = +6) down. */
export function gridPoints(size: number): { x: number; y: number }[] {
  const points: { x: number; y: number }[] = [];
  for (let row = 0; row < size; row++) {
    const y = DOMAIN - ((row + 0.5) / size) * 2 * DOMAIN;
    for (let col = 0; col < size; col++) points.push({ x: -DOMAIN + ((col + 0.5) / size) * 2 * DOMAIN, y });
  }
  return points;
}
