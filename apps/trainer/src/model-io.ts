import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Scaler, scalerFromJSON } from "@backprop/data";
import type { Module } from "@backprop/layers";
import { loadModel, MODEL_ARCHITECTURE_FILE, saveModel } from "@backprop/layers/node";
import { type Backend, fromArray, type Tensor } from "@backprop/tensor";
import type { Preprocessing } from "./datasets.js";
import { TrainerError } from "./errors.js";
import { PREPROCESSING_FILE, RUN_FILES, readJson, writeJsonAtomic } from "./run-dir.js";

/** A trained model with the preprocessing its inputs need. */
export interface TrainedModel {
  model: Module;
  preprocessing: Preprocessing;
  /** The feature scaler of `preprocessing`, rebuilt (undefined without scaling). */
  scaler: Scaler | undefined;
  /** Regression: the target scaler of `preprocessing`, rebuilt (undefined when the model predicts raw targets). */
  targetScaler: Scaler | undefined;
  /** The directory the model was read from. */
  directory: string;
}

/**
 * Saves a trained model into `directory`: model.json (architecture), model.safetensors (weights) and
 * preprocessing.json (task, feature and class names, the fitted scaler), each written atomically.
 */
export async function saveTrainedModel(
  model: Module,
  preprocessing: Preprocessing,
  directory: string,
): Promise<void> {
  await saveModel(model, directory, { metadata: { format: "pt", producer: "@backprop/trainer" } });
  await writeJsonAtomic(join(directory, PREPROCESSING_FILE), preprocessing);
}

/** The model directory of `path`: the path itself if it holds model.json, else `<path>/model` (a run directory). */
export function modelDirectory(path: string): string {
  if (existsSync(join(path, MODEL_ARCHITECTURE_FILE))) return path;
  const inRun = join(path, RUN_FILES.model);
  if (existsSync(join(inRun, MODEL_ARCHITECTURE_FILE))) return inRun;
  throw new TrainerError(
    `${path} is neither a model directory (with ${MODEL_ARCHITECTURE_FILE}) nor a finished run directory (with ${RUN_FILES.model}/${MODEL_ARCHITECTURE_FILE})`,
  );
}

function checkPreprocessing(value: unknown, path: string): Preprocessing {
  const p = value as Partial<Preprocessing> | null;
  const ok =
    p?.format === "backprop.preprocessing" &&
    p.version === 1 &&
    (p.task === "classification" || p.task === "regression") &&
    Array.isArray(p.featureNames) &&
    (p.task === "regression" ? Array.isArray(p.targetNames) : Array.isArray(p.classNames)) &&
    (p.divideBy === undefined ||
      (typeof p.divideBy === "number" && p.divideBy > 0 && Number.isFinite(p.divideBy)));
  if (!ok)
    throw new TrainerError(
      `${path} is not a backprop preprocessing file (format backprop.preprocessing, version 1)`,
    );
  return p as Preprocessing;
}

/**
 * Raw input rows (as a user's CSV holds them) prepared exactly as the training data was: divided by
 * `divideBy` (pixels 0–255 → [0, 1]) when recorded, then through the fitted scaler.
 */
export function prepareInputs(trained: TrainedModel, raw: Tensor): Tensor {
  const { divideBy } = trained.preprocessing;
  let x = raw;
  if (divideBy !== undefined) {
    const values = raw.read();
    for (let i = 0; i < values.length; i++) values[i] = values[i]! / divideBy;
    x = fromArray(values, raw.shape, { backend: raw.backend });
  }
  return trained.scaler === undefined ? x : trained.scaler.transform(x);
}

/** The model's outputs in the targets' units: through the target scaler's inverse when it learned standardised targets. */
export function outputsToTargets(trained: TrainedModel, outputs: Tensor): Tensor {
  return trained.targetScaler === undefined ? outputs : trained.targetScaler.inverseTransform(outputs);
}

/** Loads a model saved by `saveTrainedModel` (or the final model of a run directory), validated. */
export async function loadTrainedModel(path: string, backend?: Backend): Promise<TrainedModel> {
  const directory = modelDirectory(path);
  const model = await loadModel(directory, { backend });
  const preprocessingPath = join(directory, PREPROCESSING_FILE);
  const preprocessing = checkPreprocessing(
    await readJson(preprocessingPath, "preprocessing file"),
    preprocessingPath,
  );
  let scaler: Scaler | undefined;
  if (preprocessing.scaler !== null) {
    scaler = scalerFromJSON(preprocessing.scaler);
    if (scaler.features !== preprocessing.featureNames.length) {
      throw new TrainerError(
        `${preprocessingPath}: the scaler has ${scaler.features} features, but ${preprocessing.featureNames.length} feature names are listed`,
      );
    }
  }
  const targetScaler =
    preprocessing.targetScaler === undefined || preprocessing.targetScaler === null
      ? undefined
      : scalerFromJSON(preprocessing.targetScaler);
  if (targetScaler !== undefined && targetScaler.features !== (preprocessing.targetNames?.length ?? 0)) {
    throw new TrainerError(
      `${preprocessingPath}: the target scaler has ${targetScaler.features} columns, but ${preprocessing.targetNames?.length ?? 0} target names are listed`,
    );
  }
  model.train(false);
  return { model, preprocessing, scaler, targetScaler, directory };
}
