import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Dataset, datasetSize, withFeatures } from "@backprop/data";
import { checkLayer, checkLoss, formatReport, type GradcheckReport } from "@backprop/gradcheck";
import { summary } from "@backprop/layers";
import { type Backend, fromArray, Rng, randomNormal, type Tensor } from "@backprop/tensor";
import type { Command } from "commander";
import { createBackend } from "../backend.js";
import { buildEvaluationLoss, buildLoss, buildModel, describeModel, metricSpecs } from "../build.js";
import { type ClassScores, classScores, macroAverage, rocAuc } from "../classification-metrics.js";
import { backendKindOf, type TrainConfig } from "../config.js";
import { type PredictionRow, parseFeatureCsv, predictionCsv, predictionRows } from "../csv-io.js";
import { prepareData, withScaledTargets } from "../datasets.js";
import { TrainerError } from "../errors.js";
import { confusionMatrix } from "../metrics.js";
import { loadTrainedModel, outputsToTargets, prepareInputs, type TrainedModel } from "../model-io.js";
import { RUN_FILES, readJson } from "../run-dir.js";
import { Trainer } from "../trainer.js";
import { configFromCommand } from "./options.js";

/** The saved config of the run a model belongs to (a run directory or its model/ directory), if any. */
async function runConfigOf(
  path: string,
): Promise<{ config: Record<string, unknown>; backend: string | undefined }> {
  for (const dir of [path, dirname(path)]) {
    const file = join(dir, RUN_FILES.config);
    if (existsSync(file)) {
      const saved = (await readJson(file, "run configuration")) as {
        config?: Record<string, unknown>;
        backend?: string;
      };
      if (typeof saved.config === "object" && saved.config !== null)
        return { config: saved.config, backend: saved.backend };
    }
  }
  return { config: {}, backend: undefined };
}

/**
 * The backend to evaluate or predict on: `--backend` if given, else the exact backend the run trained
 * on (wasm-simd or wasm-relaxed-simd: so its numbers are reproduced exactly) or, where that build is
 * not available, the default of its kind, else auto.
 */
async function backendFor(flag: string | undefined, trainedOn: string | undefined): Promise<Backend> {
  const kind = flag ?? (trainedOn === undefined ? "auto" : (backendKindOf(trainedOn) ?? trainedOn));
  if (kind !== "auto" && kind !== "js" && kind !== "wasm")
    throw new TrainerError(`--backend must be auto, js or wasm, got ${JSON.stringify(kind)}`);
  if (flag === undefined && kind === "wasm") {
    try {
      return await createBackend(kind, "auto", trainedOn);
    } catch {
      // That build is not available in this runtime: the kind's default below.
    }
  }
  return createBackend(kind);
}

function modelDType(trained: TrainedModel) {
  return trained.model.parameters()[0]?.value.dtype ?? "float32";
}

/** Checks that a dataset fits a trained model's inputs and outputs. */
function checkFits(data: Dataset, trained: TrainedModel, what: string): void {
  const { preprocessing } = trained;
  const d = data.features.shape[1];
  if (d !== preprocessing.featureNames.length) {
    throw new TrainerError(
      `${what} has ${d} features, but the model takes ${preprocessing.featureNames.length}`,
    );
  }
  if (data.task !== preprocessing.task)
    throw new TrainerError(`${what} is a ${data.task} dataset, but the model does ${preprocessing.task}`);
  if (data.task === "classification" && data.classNames.length !== preprocessing.classNames!.length) {
    throw new TrainerError(
      `${what} has ${data.classNames.length} classes, but the model has ${preprocessing.classNames!.length} outputs`,
    );
  }
}

/** What `backprop eval` reports. */
export interface EvaluateResult {
  model: string;
  dataset: string;
  split: string;
  samples: number;
  metrics: Record<string, number>;
  /**
   * What `metrics.loss` is: "loss", or "scaled_loss" when a regression model learned standardised
   * targets (its loss is in those units; the other metrics are in the targets' own).
   */
  lossName: "loss" | "scaled_loss";
  /** Classification: [true][predicted] counts. */
  confusion?: number[][] | undefined;
  /** Classification: precision, recall, F1 and support of each class. */
  classes?: ({ name: string } & ClassScores)[] | undefined;
}

/** `backprop eval`: a trained model's loss and metrics on a split of its (or another) dataset, scaled as in training. */
export async function runEvaluate(
  path: string,
  command: Command,
  options: { split: string; batchSize?: number | undefined; backend?: string | undefined },
): Promise<EvaluateResult> {
  const run = await runConfigOf(path);
  const backend = await backendFor(options.backend, run.backend);
  const trained = await loadTrainedModel(path, backend);
  const config = await configFromCommand(command, {
    dataset: trained.preprocessing.dataset,
    ...run.config,
    dtype: modelDType(trained),
  });
  const data = await prepareData({ ...config, scale: "none", standardizeTargets: false }, backend);
  const splits: Record<string, Dataset | undefined> = {
    test: data.test,
    validation: data.validation,
    train: data.train,
  };
  if (!(options.split in splits))
    throw new TrainerError(`--split must be test, validation or train, got ${JSON.stringify(options.split)}`);
  const raw = splits[options.split];
  if (raw === undefined)
    throw new TrainerError(`dataset ${config.dataset} has no ${options.split} split with these settings`);
  const what = `the ${options.split} split of ${config.dataset}`;
  checkFits(raw, trained, what);
  const scaled =
    trained.scaler === undefined ? raw : withFeatures(raw, trained.scaler.transform(raw.features));
  const split = withScaledTargets(scaled, trained.targetScaler);
  const trainer = new Trainer({
    model: trained.model,
    loss: buildEvaluationLoss(config, trained.preprocessing.task),
    metrics: metricSpecs(config, trained.preprocessing.task, trained.targetScaler),
  });
  const metrics = trainer.evaluate(split, { batchSize: options.batchSize });
  const result = {
    model: trained.directory,
    dataset: config.dataset,
    split: options.split,
    samples: datasetSize(split),
    metrics,
    lossName: trained.targetScaler === undefined ? ("loss" as const) : ("scaled_loss" as const),
  };
  if (split.task !== "classification") return result;
  const outputs = trainer.predict(split.features);
  const confusion = confusionMatrix(outputs, split.targets, split.classNames.length);
  const scores = classScores(confusion);
  for (const key of ["precision", "recall", "f1"] as const) metrics[key] ??= macroAverage(scores, key);
  if (split.classNames.length === 2) {
    const logits = outputs.read();
    metrics.auc ??= rocAuc(
      Float64Array.from(split.targets, (_, i) => logits[2 * i + 1]! - logits[2 * i]!),
      split.targets,
    );
  }
  const classes = scores.map((s, c) => ({ name: split.classNames[c]!, ...s }));
  return { ...result, confusion, classes };
}

/** `backprop predict`: predictions for the rows of a CSV text, as rows and as CSV. */
export async function runPredict(
  path: string,
  text: string,
  file: string,
  options: { backend?: string | undefined } = {},
): Promise<{ rows: PredictionRow[]; csv: string }> {
  const backend = await backendFor(options.backend, (await runConfigOf(path)).backend);
  const trained = await loadTrainedModel(path, backend);
  const parsed = parseFeatureCsv(text, trained.preprocessing.featureNames, file, modelDType(trained));
  const scaled = prepareInputs(trained, fromArray(parsed.read(), parsed.shape, { backend }));
  const outputs = new Trainer({
    model: trained.model,
    loss: buildEvaluationLoss({ loss: "auto" }, trained.preprocessing.task),
  }).predict(scaled);
  const rows = predictionRows(outputsToTargets(trained, outputs), trained.preprocessing);
  return { rows, csv: predictionCsv(rows) };
}

/** Input and output widths of a config's dataset: known for the built-in ones, read for CSV files. */
async function datasetShape(config: TrainConfig): Promise<{
  inputs: number;
  outputs: number;
  task: "classification" | "regression";
}> {
  const known: Record<string, [number, number, "classification" | "regression"]> = {
    digits: [784, 10, "classification"],
    "fashion-mnist": [784, 10, "classification"],
    mnist: [784, 10, "classification"],
    xor: [2, 2, "classification"],
    circles: [2, 2, "classification"],
    spiral: [2, 3, "classification"],
    sine: [1, 1, "regression"],
  };
  const shape = known[config.dataset];
  if (shape !== undefined) return { inputs: shape[0], outputs: shape[1], task: shape[2] };
  const data = await prepareData(config);
  return { inputs: data.inputs, outputs: data.outputs, task: data.preprocessing.task };
}

/** What `backprop summary` prints. */
export interface SummaryResult {
  model: string;
  parameters: number;
  table: string;
}

/** `backprop summary`: the layer table of a trained model, or of the network a config describes. */
export async function runSummary(path: string | undefined, command: Command): Promise<SummaryResult> {
  if (path !== undefined) {
    const trained = await loadTrainedModel(path);
    const inputs = trained.preprocessing.featureNames.length;
    const parameters = trained.model.parameters().reduce((n, p) => n + p.value.size, 0);
    return { model: trained.directory, parameters, table: summary(trained.model, [inputs]) };
  }
  const config = await configFromCommand(command);
  const { inputs, outputs } = await datasetShape(config);
  const model = buildModel(config, inputs, outputs, { rng: new Rng(config.seed) });
  const parameters = model.parameters().reduce((n, p) => n + p.value.size, 0);
  return { model: describeModel(config, inputs, outputs), parameters, table: summary(model, [inputs]) };
}

/** What `backprop gradcheck` reports. */
export interface GradcheckResult {
  ok: boolean;
  model: string;
  network: GradcheckReport;
  loss: GradcheckReport;
  text: string;
}

/**
 * `backprop gradcheck`: the configured network, rebuilt in float64 without dropout, checked with
 * random inputs against centred differences (sampled elements, kinks detected and skipped), and the
 * loss's ∂E/∂y likewise.
 */
export async function runGradcheck(
  command: Command,
  options: { batch: number; elements: number },
): Promise<GradcheckResult> {
  const config = await configFromCommand(command);
  const { inputs, outputs, task } = await datasetShape(config);
  const rng = new Rng(config.seed);
  const model = buildModel({ ...config, dtype: "float64", dropout: 0 }, inputs, outputs, { rng });
  const x = randomNormal([options.batch, inputs], rng, { dtype: "float64" });
  const check =
    options.elements === 0
      ? ({ mode: "all" } as const)
      : ({ mode: "sample", samples: options.elements } as const);
  const network = checkLayer(model, x, { ...check, kink: "detect", seed: config.seed });
  const prediction: Tensor = model.forward(x).clone();
  const target =
    task === "classification"
      ? Int32Array.from({ length: options.batch }, () => rng.int(outputs))
      : randomNormal([options.batch, outputs], rng, { dtype: "float64" });
  const loss = checkLoss(buildLoss(config, task), prediction, target, { mode: "all", seed: config.seed });
  const description = describeModel({ ...config, dropout: 0 }, inputs, outputs);
  const text = [
    `network ${description} (float64, ${options.batch} random inputs)`,
    formatReport(network),
    "",
    "loss",
    formatReport(loss),
  ].join("\n");
  return { ok: network.ok && loss.ok, model: description, network, loss, text };
}
