import { ACTIVATION_NAMES } from "@backprop/layers";
import { createOptimizerRegistry } from "@backprop/optimizers";
import * as v from "valibot";
import { TrainerError } from "./errors.js";

/** Hidden-layer activations: every elementwise one (softmax and log-softmax are output functions). */
const ACTIVATIONS = ACTIVATION_NAMES.filter((name) => name !== "softmax" && name !== "logSoftmax");
/** Entries of the optimizer registry that transform gradients but are not optimizers of their own. */
const NOT_OPTIMIZERS = new Set(["chain", "clipByGlobalNorm", "clipByValue"]);
/**
 * The optimizers `backprop train --optimizer` knows: every optimizer in @backprop/optimizers'
 * registry (a fresh one, read once), and momentum / nesterov, which are SGD with momentum.
 */
export const OPTIMIZERS: readonly string[] = Object.freeze([
  ...createOptimizerRegistry()
    .types()
    .filter((type) => !NOT_OPTIMIZERS.has(type)),
  "momentum",
  "nesterov",
]);
export const SCHEDULES = ["constant", "cosine", "step", "exponential", "one-cycle"] as const;
export const LOSSES = ["auto", "cross-entropy", "mse", "mae", "huber"] as const;
export const BACKENDS = ["auto", "js", "wasm"] as const;
/** The exact backends a run's config.json records (its `backend`): each is the wasm backend. */
const EXACT_BACKENDS: Readonly<Record<string, (typeof BACKENDS)[number]>> = {
  js: "js",
  "wasm-simd": "wasm",
  "wasm-relaxed-simd": "wasm",
};

/** The backend kind a run recorded by its exact backend name ("wasm-simd" → "wasm"), or undefined. */
export function backendKindOf(recorded: string): (typeof BACKENDS)[number] | undefined {
  return Object.hasOwn(EXACT_BACKENDS, recorded) ? EXACT_BACKENDS[recorded] : undefined;
}
/** Built-in dataset names; `csv:<path>` reads a CSV file. */
export const DATASETS = ["digits", "fashion-mnist", "mnist", "xor", "spiral", "circles", "sine"] as const;

const message = (expected: string) => (issue: v.BaseIssue<unknown>) =>
  `must be ${expected}, got ${JSON.stringify(issue.input) ?? String(issue.input)}`;
const integer = (min: number) =>
  v.pipe(
    v.number(message(`an integer ≥ ${min}`)),
    v.integer(message(`an integer ≥ ${min}`)),
    v.minValue(min, message(`an integer ≥ ${min}`)),
  );
const positive = v.pipe(
  v.number(message("a positive number")),
  v.gtValue(0, message("a positive number")),
  v.finite(message("a positive number")),
);
const nonNegative = v.pipe(
  v.number(message("a number ≥ 0")),
  v.minValue(0, message("a number ≥ 0")),
  v.finite(message("a number ≥ 0")),
);
const fraction = v.pipe(
  v.number(message("a fraction in [0, 1)")),
  v.minValue(0, message("a fraction in [0, 1)")),
  v.ltValue(1, message("a fraction in [0, 1)")),
);
const oneOf = <const T extends readonly string[]>(options: T) =>
  v.picklist(options, message(`one of ${options.join(", ")}`));
const datasetName = v.pipe(
  v.string(message("a dataset name")),
  v.check(
    (name) => (DATASETS as readonly string[]).includes(name) || (name.startsWith("csv:") && name.length > 4),
    message(`one of ${DATASETS.join(", ")} or csv:<path>`),
  ),
);

const EarlyStoppingSchema = v.strictObject({
  /** Epochs without improvement before stopping. */
  patience: v.optional(integer(0), 5),
  /** The epoch log watched (default val_loss). */
  monitor: v.optional(v.string(), "val_loss"),
  /** The least change that counts as an improvement. */
  minDelta: v.optional(nonNegative, 0),
  /** Restore the weights of the best epoch when stopping. */
  restoreBestWeights: v.optional(v.boolean(message("true or false")), true),
});

const ReduceLrSchema = v.strictObject({
  /** Epochs without improvement before the rate drops. */
  patience: v.optional(integer(0), 2),
  /** η ← η · factor on a plateau. */
  factor: v.optional(v.pipe(positive, v.ltValue(1, message("a factor in (0, 1)"))), 0.5),
  /** The rate never drops below this. */
  minLr: v.optional(nonNegative, 0),
  /** The epoch log watched (default val_loss). */
  monitor: v.optional(v.string(), "val_loss"),
});

/** A run name is one folder name: letters, digits, '.', '_' and '-', and not "." or "..". */
export function isRunName(name: string): boolean {
  return /^[\w.-]+$/.test(name) && name !== "." && name !== "..";
}

/**
 * Everything a training run is made of; the file `--config` reads and `config.json` in every run
 * directory. Every key is optional in a file: the defaults are the recipe `pnpm start` trains
 * on the built-in digits (a 784-256-128-10 ReLU MLP, Adam at 2e-3 with cosine decay, batches of
 * 128, label smoothing 0.1, 15 epochs: ≥ 95% test accuracy).
 */
export const TrainConfigSchema = v.strictObject({
  /** digits | fashion-mnist | mnist | xor | spiral | circles | sine | csv:<path>. */
  dataset: v.optional(datasetName, "digits"),
  /** Directory of the IDX files (fashion-mnist, mnist). */
  dataDir: v.optional(v.string()),
  /** CSV target column (name or 0-based index). */
  target: v.optional(v.string()),
  /** CSV task; guessed from the target column unless given. */
  task: v.optional(oneOf(["classification", "regression"] as const)),
  /** Use at most this many samples in each split (a seeded random subset). */
  limit: v.optional(integer(1)),
  /** Fraction held out for testing (datasets without their own test file). */
  testSplit: v.optional(fraction, 0.2),
  /** Fraction of the training data held out for validation (0: none). */
  validationSplit: v.optional(fraction, 0.1),
  /** Feature scaling fitted on the training split: auto = standard for CSV and synthetic data, none for images. */
  scale: v.optional(oneOf(["auto", "none", "standard", "minmax"] as const), "auto"),
  /**
   * Regression: train on standardised targets, (t − mean) / std fitted on the training split, so the
   * output layer need not learn their scale; predictions and metrics are in the original units.
   */
  standardizeTargets: v.optional(v.boolean(message("true or false")), true),
  /** Samples generated for the synthetic datasets. */
  samples: v.optional(integer(4), 600),
  /** Noise of the synthetic datasets (their own default unless given). */
  noise: v.optional(nonNegative),
  /** Hidden layer widths (the I_2 … I_{L-1} of the notes); [] for none. */
  hidden: v.optional(v.array(integer(1), message("a list of layer widths")), [256, 128]),
  /** The hidden activation h. */
  activation: v.optional(oneOf(ACTIVATIONS), "relu"),
  /** Dropout probability after each hidden activation. */
  dropout: v.optional(fraction, 0),
  /** Dense layers with biases; false gives the notes' a = W z. */
  bias: v.optional(v.boolean(message("true or false")), true),
  /** The loss; auto: cross-entropy for classification, mse for regression. */
  loss: v.optional(oneOf(LOSSES), "auto"),
  /** Cross-entropy label smoothing ε. */
  labelSmoothing: v.optional(fraction, 0.1),
  /** The optimizer. */
  optimizer: v.optional(oneOf(OPTIMIZERS), "adam"),
  /** The learning rate η. */
  learningRate: v.optional(positive, 2e-3),
  /** Weight decay λ. */
  weightDecay: v.optional(nonNegative, 0),
  /** Momentum μ of the momentum and nesterov optimizers. */
  momentum: v.optional(fraction, 0.9),
  /** The learning-rate schedule. */
  schedule: v.optional(oneOf(SCHEDULES), "cosine"),
  /** Epochs of linear learning-rate warmup before the schedule (cosine or constant); 0: none. */
  warmupEpochs: v.optional(integer(0), 0),
  /** Epochs between decays of the step schedule. */
  stepSize: v.optional(integer(1), 10),
  /** Decay factor of the step and exponential schedules. */
  gamma: v.optional(v.pipe(positive, v.maxValue(1, message("a factor in (0, 1]"))), 0.1),
  /** Clip the global gradient norm to this value. */
  clipNorm: v.optional(positive),
  /** Reduce the learning rate when the monitored metric stalls (null: off). */
  reduceLrOnPlateau: v.optional(v.nullable(ReduceLrSchema), null),
  /** Stop when the monitored metric stops improving (null: off). */
  earlyStopping: v.optional(v.nullable(EarlyStoppingSchema), null),
  /** Epochs; unless given, planned from a step budget for the training set's size (training-plan.ts). */
  epochs: v.optional(integer(1)),
  /** Mini-batch size; unless given, planned for the training set's size (≤ 128). */
  batchSize: v.optional(integer(1)),
  /** Seed of the split, the initial weights and the batch order. */
  seed: v.optional(v.pipe(integer(0), v.safeInteger(message("a safe integer"))), 0),
  /** Element type of the weights and data. */
  dtype: v.optional(oneOf(["float32", "float64"] as const), "float32"),
  /** auto, js or wasm; the exact names a run records (wasm-simd, wasm-relaxed-simd) mean wasm. */
  backend: v.optional(
    v.pipe(
      v.picklist(
        [...new Set([...BACKENDS, ...Object.keys(EXACT_BACKENDS)])],
        message(`one of ${BACKENDS.join(", ")}`),
      ),
      v.transform((name) => EXACT_BACKENDS[name] ?? (name as (typeof BACKENDS)[number])),
    ),
    "auto",
  ),
  /**
   * Threads of the wasm backend ("auto": one per core, at most 8). Results are bitwise the same
   * for any count, so a resume may use another.
   */
  threads: v.optional(v.union([v.literal("auto"), integer(1)], message('"auto" or an integer ≥ 1')), "auto"),
  /** accuracy, top<k>, precision, recall, f1, auc; mse, rmse, mae, r2. By task unless given (accuracy; mse, rmse, mae, r2). */
  metrics: v.optional(
    v.array(
      v.pipe(
        v.string(),
        v.regex(
          /^(accuracy|top\d+|precision|recall|f1|auc|mse|rmse|mae|r2)$/,
          message("accuracy, top<k>, precision, recall, f1, auc, mse, rmse, mae or r2"),
        ),
      ),
    ),
  ),
  /** Fine-tuning: initial weights from a finished run, a model directory or a safetensors file. */
  initFrom: v.optional(v.string(message("a path"))),
  /** Write a checkpoint every this many epochs. */
  checkpointEvery: v.optional(integer(1), 1),
  /** How many checkpoints to keep. */
  keepCheckpoints: v.optional(integer(1), 2),
  /** Where runs go: <outDir>/<name>. */
  outDir: v.optional(v.string(), "runs"),
  /** Run name; a timestamp unless given. */
  name: v.optional(
    v.pipe(
      v.string(message("a name")),
      v.check(isRunName, message("a folder name of letters, digits, '.', '_' and '-' (not \".\" or \"..\")")),
    ),
  ),
});

/** A resolved training configuration (every default filled in). */
export type TrainConfig = v.InferOutput<typeof TrainConfigSchema>;
/** A configuration as written in a file or given as flags: every key optional. */
export type TrainConfigInput = v.InferInput<typeof TrainConfigSchema>;

/**
 * Validates a configuration; the error names the setting (as `name(path)` puts it, e.g. the flag
 * that set it), and expected vs. actual.
 */
export function parseTrainConfig(
  input: unknown,
  source: string,
  name: (path: string) => string = (path) => `"${path}"`,
): TrainConfig {
  const result = v.safeParse(TrainConfigSchema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  if (issue.type === "strict_object" && path !== null) {
    throw new TrainerError(
      `${source}: unknown setting "${path}" (known settings: ${Object.keys(TrainConfigSchema.entries).join(", ")})`,
    );
  }
  return fail(path === null ? `${source}: the configuration` : name(path), issue.message);
}

function fail(what: string, problem: string): never {
  throw new TrainerError(`${what} ${problem}`);
}

/** The defaults merged with a config file's contents and then with flags (later wins; undefined is ignored). */
export function mergeConfig(...layers: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers)
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) out[key] = value;
  return out;
}
