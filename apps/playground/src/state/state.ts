import type { ActivationName } from "@backprop/layers";
import { CLASSIFICATION_DATASETS, type DatasetName, REGRESSION_DATASETS } from "./datasets.js";
import type { FeatureName } from "./features.js";
import type { ParamValues } from "./optimizer-catalog.js";

/** Activations offered for the hidden layers (names of @backprop/layers' activation()). */
export const ACTIVATIONS = [
  "tanh",
  "relu",
  "sigmoid",
  "identity",
  "leakyRelu",
  "elu",
  "gelu",
  "silu",
  "softplus",
] as const satisfies readonly ActivationName[];
export type ActivationChoice = (typeof ACTIVATIONS)[number];

/**
 * The loss: "auto" is binary cross-entropy on the output logit for classification and the mean
 * squared error for regression; "half-sum" is the notes' E = ½Σ(y − t)² (eq. 47), "sum" their
 * E = Σ(y − t)² (eq. 44), "mean" (1/N)Σ(y − t)². With a squared error, classes are t = ±1.
 */
export const LOSSES = ["auto", "half-sum", "sum", "mean"] as const;
export type LossChoice = (typeof LOSSES)[number];

export const REGULARIZATIONS = ["none", "L1", "L2"] as const;
export type Regularization = (typeof REGULARIZATIONS)[number];

export const BACKENDS = ["auto", "wasm", "js"] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export const MAX_LAYERS = 6;
export const MAX_NEURONS = 8;

/** Everything a link reproduces: data, network, training settings and what the pictures show. */
export interface PlaygroundState {
  dataset: DatasetName;
  /** 0 … 50 (%). */
  noise: number;
  /** 10 … 90 (%) of the points train, the rest test. */
  trainRatio: number;
  batchSize: number;
  seed: number;
  features: FeatureName[];
  /** Widths of the hidden layers: 0 … 6 layers of 1 … 8 neurons. */
  hidden: number[];
  activation: ActivationChoice;
  learningRate: number;
  regularization: Regularization;
  regularizationRate: number;
  optimizer: string;
  optimizerParams: ParamValues;
  /** "none" or a schedule of the registry. */
  schedule: string;
  scheduleParams: ParamValues;
  loss: LossChoice;
  bias: boolean;
  /** The notes' net: no biases, a squared error, plain gradient descent, no regularisation. */
  notes: boolean;
  discretize: boolean;
  showTest: boolean;
  /** Epochs trained per animation frame while playing. */
  epochsPerFrame: number;
  lang: "en" | "zh";
  backend: BackendChoice;
}

export const DEFAULT_STATE: PlaygroundState = {
  dataset: "circle",
  noise: 0,
  trainRatio: 50,
  batchSize: 10,
  seed: 1,
  features: ["x1", "x2"],
  hidden: [4, 2],
  activation: "tanh",
  learningRate: 0.03,
  regularization: "none",
  regularizationRate: 0,
  optimizer: "sgd",
  optimizerParams: {},
  schedule: "none",
  scheduleParams: {},
  loss: "auto",
  bias: true,
  notes: false,
  discretize: false,
  showTest: false,
  epochsPerFrame: 1,
  lang: "en",
  backend: "auto",
};

export const ALL_DATASETS: readonly DatasetName[] = [
  ...CLASSIFICATION_DATASETS,
  ...REGRESSION_DATASETS,
  "csv",
];

/**
 * The settings training actually uses: notes mode turns biases and regularisation off, plain SGD
 * on, and a squared error ("half-sum" unless "sum" was chosen).
 */
export function effectiveState(state: PlaygroundState): PlaygroundState {
  if (!state.notes) return state;
  return {
    ...state,
    bias: false,
    regularization: "none",
    optimizer: "sgd",
    optimizerParams: { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    schedule: "none",
    loss: state.loss === "sum" ? "sum" : "half-sum",
  };
}
