import { resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  BACKENDS,
  DATASETS,
  LOSSES,
  mergeConfig,
  OPTIMIZERS,
  parseTrainConfig,
  SCHEDULES,
  type TrainConfig,
} from "../config.js";
import { TrainerError, UsageError } from "../errors.js";
import { readJson } from "../run-dir.js";

/** commander argument parsers: each turns the flag's text into a number or list, or says what it expected. */
export const parse = {
  integer(text: string): number {
    if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError("expected a non-negative integer.");
    return Number(text);
  },
  positive(text: string): number {
    const value = parse.integer(text);
    if (value < 1) throw new InvalidArgumentError("expected a positive integer.");
    return value;
  },
  number(text: string): number {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) throw new InvalidArgumentError("expected a number.");
    return value;
  },
  integers(text: string): number[] {
    if (!/^\s*\d+(\s*,\s*\d+)*\s*$/.test(text))
      throw new InvalidArgumentError("expected comma-separated integers, e.g. 256,128.");
    return text.split(",").map(Number);
  },
  threads(text: string): number | "auto" {
    return text.trim() === "auto" ? "auto" : parse.integer(text);
  },
  none(text: string): number[] {
    return text.trim() === "" || text === "none" ? [] : parse.integers(text);
  },
  strings(text: string): string[] {
    return text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  },
};

/** Flags that pick the dataset (train, eval, summary, gradcheck). */
export function addDataOptions(command: Command): Command {
  return command
    .option("--dataset <name>", `${DATASETS.join(" | ")} | csv:<path> (default: digits)`)
    .option(
      "--data-dir <dir>",
      "directory of the IDX files (fashion-mnist: /usr/share/datasets/fashion-mnist; mnist: required)",
    )
    .option("--target <column>", "csv: the column to predict (name or 0-based index)")
    .addOption(
      new Option("--task <task>", "csv: classification or regression (guessed unless given)").choices([
        "classification",
        "regression",
      ]),
    )
    .option("--limit <n>", "use at most n samples in each split (a seeded random subset)", parse.integer)
    .option(
      "--test-split <fraction>",
      "fraction held out for testing when the dataset has no test file (default 0.2)",
      parse.number,
    )
    .option(
      "--validation-split <fraction>",
      "fraction of the training data held out for validation (default 0.1)",
      parse.number,
    )
    .addOption(
      new Option(
        "--scale <kind>",
        "feature scaling (default auto: standard for CSV and synthetic data)",
      ).choices(["auto", "none", "standard", "minmax"]),
    )
    .option(
      "--no-standardize-targets",
      "regression: train on the raw targets (default: standardised; predictions and metrics are in the original units either way)",
    )
    .option("--samples <n>", "synthetic datasets: samples to generate (default 600)", parse.integer)
    .option("--noise <sigma>", "synthetic datasets: noise level", parse.number)
    .option(
      "--seed <n>",
      "seed of the split, the initial weights and the batch order (default 0)",
      parse.integer,
    );
}

/** Flags that describe the network (train, summary, gradcheck). */
export function addModelOptions(command: Command): Command {
  return command
    .option("--hidden <sizes>", "hidden layer widths, comma-separated, or none (default 256,128)", parse.none)
    .option(
      "--activation <name>",
      "hidden activation: relu, tanh, sigmoid, leakyRelu, elu, gelu, silu, … (default relu)",
    )
    .option("--dropout <p>", "dropout probability after each hidden activation (default 0)", parse.number)
    .option("--no-bias", "dense layers without biases (the notes' a = W z)")
    .addOption(
      new Option("--loss <name>", "loss (default auto: cross-entropy or mse by task)").choices(LOSSES),
    )
    .addOption(new Option("--dtype <dtype>", "float32 (default) or float64").choices(["float32", "float64"]));
}

/** Flags of training proper (train only). */
export function addTrainOptions(command: Command): Command {
  return command
    .option("-c, --config <file>", "read settings from a JSON file (flags override it)")
    .option(
      "-e, --epochs <n>",
      "epochs (default: from a budget of 800 steps, at least 15, at most 1000)",
      parse.integer,
    )
    .option(
      "-b, --batch-size <n>",
      "mini-batch size (default: a power of two giving ≥ 8 batches an epoch, 4 to 128)",
      parse.integer,
    )
    .addOption(new Option("--optimizer <name>", "optimizer (default adam)").choices(OPTIMIZERS))
    .option("--lr <rate>", "learning rate (default 0.002)", parse.number)
    .option("--weight-decay <lambda>", "weight decay (default 0)", parse.number)
    .option("--momentum <mu>", "momentum of momentum / nesterov (default 0.9)", parse.number)
    .addOption(new Option("--schedule <name>", "learning-rate schedule (default cosine)").choices(SCHEDULES))
    .option("--step-size <epochs>", "step schedule: epochs between decays (default 10)", parse.integer)
    .option(
      "--warmup-epochs <n>",
      "epochs of linear learning-rate warmup before a cosine or constant schedule (default 0)",
      parse.integer,
    )
    .option("--gamma <factor>", "step / exponential schedule: decay factor (default 0.1)", parse.number)
    .option("--clip-norm <max>", "clip the global gradient norm", parse.number)
    .option("--label-smoothing <epsilon>", "cross-entropy label smoothing (default 0.1)", parse.number)
    .option(
      "--early-stopping [patience]",
      "stop when --monitor stops improving (patience default 5), restoring the best weights",
      parse.integer,
    )
    .option(
      "--reduce-lr-on-plateau [patience]",
      "multiply the learning rate by --lr-factor when --monitor stalls (patience default 2)",
      parse.integer,
    )
    .option("--lr-factor <factor>", "reduce-lr-on-plateau factor (default 0.5)", parse.number)
    .option("--monitor <metric>", "what early stopping and reduce-lr-on-plateau watch (default val_loss)")
    .option(
      "--metrics <list>",
      "comma-separated: accuracy, top<k>, precision, recall, f1, auc (binary); mse, rmse, mae, r2 (default by task)",
      parse.strings,
    )
    .addOption(
      new Option("--backend <name>", "compute backend (default auto: wasm where available)").choices(
        BACKENDS,
      ),
    )
    .option(
      "--threads <n>",
      "threads of the wasm backend, or auto (default: one per core, at most 8); results are the same for any count",
      parse.threads,
    )
    .option("--checkpoint-every <epochs>", "write a checkpoint every n epochs (default 1)", parse.integer)
    .option("--keep-checkpoints <n>", "checkpoints to keep (default 2)", parse.integer)
    .option("-o, --out-dir <dir>", "where run directories go (default runs)")
    .option("-n, --name <name>", "run name (default: a timestamp)")
    .option(
      "--init-from <run-or-file>",
      "fine-tune: start from the weights of a finished run, a model directory or a .safetensors file (same architecture)",
    );
}

/** Options commander parsed whose value came from the command line (not a commander default). */
function given(command: Command): Record<string, unknown> {
  const options = command.opts();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(options))
    if (command.getOptionValueSource(key) === "cli") out[key] = options[key];
  return out;
}

/**
 * The settings of a config file: a JSON object of settings, or a run's own config.json (its `config`,
 * without the run's name, so the new run gets its own unless `--name` is given).
 */
async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const json = await readJson(path, "config file");
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new TrainerError(`the config file ${path} must hold a JSON object of settings`);
  }
  const file = json as Record<string, unknown>;
  if (file.format !== "backprop.run-config") return file;
  const settings = file.config;
  if (typeof settings !== "object" || settings === null || Array.isArray(settings))
    throw new TrainerError(`the run configuration ${path} has no "config" object of settings`);
  const { name: _runName, ...rest } = settings as Record<string, unknown>;
  return rest;
}

/** Merges a nested setting given by a flag into the same setting from the file. */
function nested(fromFile: unknown, flag: Record<string, unknown> | undefined): unknown {
  if (flag === undefined) return undefined;
  const base = typeof fromFile === "object" && fromFile !== null ? (fromFile as Record<string, unknown>) : {};
  return mergeConfig(base, flag);
}

/** The flags that only make sense with a config being built (so `--resume` refuses them). */
export function configFlagsGiven(command: Command): string[] {
  const ignore = new Set([
    "json",
    "quiet",
    "resume",
    "force",
    "stopAfterEpoch",
    "progress",
    "threads",
    "profile",
  ]);
  return Object.keys(given(command)).filter((key) => !ignore.has(key));
}

/**
 * The config with its file paths (`csv:<path>`, `dataDir`) made absolute, so that the config.json of
 * a run still finds its data when `eval` runs from another directory.
 */
function withResolvedPaths(config: TrainConfig): TrainConfig {
  const dataset = config.dataset.startsWith("csv:")
    ? `csv:${resolve(config.dataset.slice(4))}`
    : config.dataset;
  const dataDir = config.dataDir === undefined ? {} : { dataDir: resolve(config.dataDir) };
  const initFrom = config.initFrom === undefined ? {} : { initFrom: resolve(config.initFrom) };
  return { ...config, dataset, ...dataDir, ...initFrom };
}

/**
 * The resolved configuration of a command: defaults, then `base` (a run's saved config), then
 * `--config <file>`, then the flags given,
 * validated with messages that name the setting and expected vs. actual.
 */
export async function configFromCommand(
  command: Command,
  base: Record<string, unknown> = {},
): Promise<TrainConfig> {
  const flags = given(command);
  const file = typeof flags.config === "string" ? { ...base, ...(await readConfigFile(flags.config)) } : base;
  const monitor = flags.monitor as string | undefined;
  const early =
    flags.earlyStopping === undefined
      ? undefined
      : {
          ...(flags.earlyStopping === true ? {} : { patience: flags.earlyStopping }),
          ...(monitor === undefined ? {} : { monitor }),
        };
  const plateau =
    flags.reduceLrOnPlateau === undefined
      ? undefined
      : {
          ...(flags.reduceLrOnPlateau === true ? {} : { patience: flags.reduceLrOnPlateau }),
          ...(monitor === undefined ? {} : { monitor }),
          ...(flags.lrFactor === undefined ? {} : { factor: flags.lrFactor }),
        };
  const fromFlags: Record<string, unknown> = {
    dataset: flags.dataset,
    dataDir: flags.dataDir,
    target: flags.target,
    task: flags.task,
    limit: flags.limit,
    testSplit: flags.testSplit,
    validationSplit: flags.validationSplit,
    scale: flags.scale,
    standardizeTargets: flags.standardizeTargets,
    samples: flags.samples,
    noise: flags.noise,
    seed: flags.seed,
    hidden: flags.hidden,
    activation: flags.activation,
    dropout: flags.dropout,
    bias: flags.bias,
    loss: flags.loss,
    dtype: flags.dtype,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    optimizer: flags.optimizer,
    learningRate: flags.lr,
    weightDecay: flags.weightDecay,
    momentum: flags.momentum,
    schedule: flags.schedule,
    stepSize: flags.stepSize,
    warmupEpochs: flags.warmupEpochs,
    gamma: flags.gamma,
    clipNorm: flags.clipNorm,
    labelSmoothing: flags.labelSmoothing,
    earlyStopping: nested(file.earlyStopping, early),
    reduceLrOnPlateau: nested(file.reduceLrOnPlateau, plateau),
    metrics: flags.metrics,
    backend: flags.backend,
    threads: flags.threads,
    initFrom: flags.initFrom,
    checkpointEvery: flags.checkpointEvery,
    keepCheckpoints: flags.keepCheckpoints,
    outDir: flags.outDir,
    name: flags.name,
  };
  if (monitor !== undefined && early === undefined && plateau === undefined) {
    throw new UsageError("--monitor needs --early-stopping or --reduce-lr-on-plateau");
  }
  const configFile = typeof flags.config === "string" ? flags.config : undefined;
  const flagOf = (key: string) =>
    (key === "learningRate" ? "lr" : key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  let blamesFlag = false;
  const name = (path: string): string => {
    const key = path.split(".")[0]!;
    if (fromFlags[key] !== undefined && !(key in file && typeof fromFlags[key] === "object")) {
      blamesFlag = true;
      return `--${flagOf(key)}`;
    }
    return configFile === undefined ? `setting "${path}"` : `${configFile}: "${path}"`;
  };
  try {
    return withResolvedPaths(parseTrainConfig(mergeConfig(file, fromFlags), configFile ?? "flags", name));
  } catch (error) {
    // A flag's value out of range is bad usage (exit 2), like a flag commander could not parse.
    if (blamesFlag && error instanceof TrainerError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}
