import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Layer, loadWeights } from "@backprop/layers";
import { MODEL_WEIGHTS_FILE, readSafetensorsFile } from "@backprop/layers/node";
import type { Backend } from "@backprop/tensor";
import { TrainerError } from "./errors.js";
import { RUN_FILES } from "./run-dir.js";

/**
 * The weights file `--init-from` names: a safetensors file itself, a model directory's
 * model.safetensors, or a finished run's model/model.safetensors.
 */
export function initialWeightsFile(path: string): string {
  if (!existsSync(path)) throw new TrainerError(`--init-from ${path}: no such file or directory`);
  if (!statSync(path).isDirectory()) return path;
  for (const file of [join(path, RUN_FILES.model, MODEL_WEIGHTS_FILE), join(path, MODEL_WEIGHTS_FILE)])
    if (existsSync(file)) return file;
  throw new TrainerError(
    `--init-from ${path}: neither a finished run (with ${RUN_FILES.model}/${MODEL_WEIGHTS_FILE}) nor a model directory (with ${MODEL_WEIGHTS_FILE})`,
  );
}

/**
 * Fine-tuning: the model's initial weights from `path` (see `initialWeightsFile`), replacing the
 * random ones. Every parameter must be there with its exact shape and dtype, and nothing else (the
 * same architecture); errors name the file and the tensor.
 */
export async function initWeightsFrom(model: Layer, path: string, backend: Backend): Promise<string> {
  const file = initialWeightsFile(path);
  const { tensors } = await readSafetensorsFile(file, { backend });
  loadWeights(model, tensors, file);
  return file;
}
