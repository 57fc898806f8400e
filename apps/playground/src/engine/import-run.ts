import { scalerFromJSON } from "@backprop/data";
import { loadModelFromBytes, type Module } from "@backprop/layers";
import { FEATURE_COLUMNS, FEATURE_NAMES, type FeatureName } from "../state/features.js";
import { ACTIVATIONS, type ActivationChoice, MAX_LAYERS, MAX_NEURONS } from "../state/state.js";

/** A model the CLI trained, as the playground's net: its settings and weights (parameter order). */
export interface ImportedRun {
  features: FeatureName[];
  hidden: number[];
  activation: ActivationChoice;
  bias: boolean;
  task: "classification" | "regression";
  weights: Float32Array[];
}

/** Layer types of @backprop/layers → the activation names the page offers. */
const ACTIVATION_TYPES: Record<string, ActivationChoice> = {
  Tanh: "tanh",
  ReLU: "relu",
  Sigmoid: "sigmoid",
  Identity: "identity",
  LeakyReLU: "leakyRelu",
  ELU: "elu",
  GELU: "gelu",
  SiLU: "silu",
  Softplus: "softplus",
};

const fail = (message: string): never => {
  throw new Error(`import: ${message}`);
};

/** Which of the page's features a CLI feature name is ("x1", "x1^2", …), or x1, x2 for a two-input model. */
function featuresOf(names: readonly string[]): FeatureName[] {
  const byColumn = new Map(FEATURE_NAMES.map((f) => [FEATURE_COLUMNS[f], f] as const));
  const mapped = names.map((n) => byColumn.get(n));
  if (mapped.every((f) => f !== undefined)) return mapped as FeatureName[];
  if (names.length === 2) return ["x1", "x2"];
  return fail(
    `the model's features (${names.join(", ")}) are neither two columns nor the playground's (${Object.values(FEATURE_COLUMNS).join(", ")})`,
  );
}

/**
 * Reads a run's model directory (model.json, model.safetensors, preprocessing.json) into the
 * playground's net: a Sequential of Dense layers with one activation between them, at most 6
 * hidden layers of at most 8. A standard or min-max scaler is folded into the first layer
 * (W' = W·diag(s), b' = b + W·o for x_scaled = s ⊙ x + o), and a two-class softmax output into one
 * logit (y = a₁ − a₀, whose σ is the softmax's p₁): the same predictions on raw inputs.
 */
export function importRun(files: {
  architecture: unknown;
  weights: Uint8Array;
  preprocessing: unknown;
}): ImportedRun {
  const pre = files.preprocessing as {
    task?: unknown;
    featureNames?: unknown;
    classNames?: unknown;
    scaler?: unknown;
  } | null;
  if (pre === null || typeof pre !== "object" || !Array.isArray(pre.featureNames))
    fail("preprocessing.json has no featureNames list");
  const task =
    pre!.task === "regression"
      ? "regression"
      : pre!.task === "classification"
        ? "classification"
        : fail(
            `preprocessing.json: task must be classification or regression, got ${JSON.stringify(pre!.task)}`,
          );
  const model = loadModelFromBytes(
    { architecture: files.architecture, weights: files.weights },
    { source: "model.json", weightsSource: "model.safetensors" },
  ) as Module & { layers?: readonly Module[] };
  const layers = model.layers ?? fail("model.json is not a Sequential");
  const dense = layers.filter((l) => l.type === "Dense");
  const activations = [
    ...new Set(layers.filter((l) => l.type !== "Dense" && l.type !== "Dropout").map((l) => l.type)),
  ];
  if (dense.length === 0 || dense.length - 1 > MAX_LAYERS)
    fail(`the model has ${dense.length - 1} hidden layers; the playground shows 0 … ${MAX_LAYERS}`);
  if (activations.length > 1)
    fail(`the model mixes activations (${activations.join(", ")}); the playground uses one`);
  const activation =
    activations.length === 0
      ? "tanh"
      : (ACTIVATION_TYPES[activations[0]!] ??
        fail(`activation ${activations[0]} is not one the playground offers (${ACTIVATIONS.join(", ")})`));
  const params = dense.map((l) =>
    l.parameters().map((p) => ({ shape: p.value.shape, values: Float32Array.from(p.value.read()) })),
  );
  const hidden = params.slice(0, -1).map(([w]) => w!.shape[0]!);
  if (hidden.some((h) => h > MAX_NEURONS))
    fail(`a hidden layer has ${Math.max(...hidden)} neurons; the playground shows at most ${MAX_NEURONS}`);
  const bias = params.every((p) => p.length === 2);
  if (!bias && params.some((p) => p.length === 2)) fail("some layers have biases and others not");
  const features = featuresOf(pre!.featureNames as string[]);

  // Fold the scaler: x_scaled_i = s_i x_i + o_i, so W x_scaled + b = (W diag(s)) x + (b + W o).
  if (pre!.scaler !== null && pre!.scaler !== undefined) {
    const scaler = pre!.scaler as {
      type?: string;
      mean?: number[];
      std?: number[];
      min?: number[];
      max?: number[];
      range?: [number, number];
    };
    scalerFromJSON(scaler as never);
    const n = features.length;
    const s = new Array<number>(n);
    const o = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      if (scaler.type === "standard") {
        s[i] = 1 / scaler.std![i]!;
        o[i] = -scaler.mean![i]! / scaler.std![i]!;
      } else {
        const [lo, hi] = scaler.range!;
        const span = scaler.max![i]! - scaler.min![i]!;
        s[i] = span === 0 ? 0 : (hi - lo) / span;
        o[i] = lo - scaler.min![i]! * s[i]!;
      }
    }
    const [w, b] = params[0]!;
    const out = w!.shape[0]!;
    if (b === undefined && o.some((v) => v !== 0))
      fail("the model has no biases, so its input scaling cannot be folded into its first layer");
    for (let j = 0; j < out; j++) {
      for (let i = 0; i < n; i++) {
        if (b !== undefined) b.values[j]! += w!.values[j * n + i]! * o[i]!;
        w!.values[j * n + i]! *= s[i]!;
      }
    }
  }

  // Two softmax logits (a₀, a₁) → one logit a₁ − a₀.
  const last = params[params.length - 1]!;
  const outputs = last[0]!.shape[0]!;
  if (task === "classification") {
    if (outputs !== 2) fail(`the model classifies ${outputs} classes; the playground classifies two`);
    const inputs = last[0]!.shape[1]!;
    last[0]!.values = Float32Array.from(
      { length: inputs },
      (_, i) => last[0]!.values[inputs + i]! - last[0]!.values[i]!,
    );
    if (last[1] !== undefined) last[1].values = Float32Array.of(last[1].values[1]! - last[1].values[0]!);
  } else if (outputs !== 1) fail(`the model has ${outputs} regression outputs; the playground shows one`);
  return { features, hidden, activation, bias, task, weights: params.flatMap((p) => p.map((q) => q.values)) };
}
