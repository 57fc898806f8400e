import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { decodeSafetensors, encodeSafetensors } from "@backprop/layers";
import { writeFileAtomic } from "@backprop/layers/node";
import type { Backend } from "@backprop/tensor";
import type { Checkpoint, TrainingState } from "./callback.js";
import { describeError, TrainerError } from "./errors.js";

/** The files of a run directory, relative to it. */
export const RUN_FILES = {
  /** The resolved training configuration. */
  config: "config.json",
  /** One JSON object per epoch. */
  metrics: "metrics.jsonl",
  /** The same, as CSV. */
  metricsCsv: "metrics.csv",
  /** The self-contained HTML report. */
  report: "report.html",
  /** Final metrics on the test split, and how the run ended. */
  results: "results.json",
  /** Checkpoints, and `latest.json` naming the newest. */
  checkpoints: "checkpoints",
  /** The final model: model.json, model.safetensors, preprocessing.json. */
  model: "model",
} as const;

/** Name of the preprocessing file inside a saved model directory. */
export const PREPROCESSING_FILE = "preprocessing.json";

const LATEST = "latest.json";

/** `2024-05-01T12-30-05` from a date: a run name that sorts by time and is a valid file name everywhere. */
export function timestampName(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/:/g, "-");
}

/**
 * Creates a fresh run directory. An existing non-empty directory is an error unless `force` is set,
 * in which case it is removed first: nothing a user saved is overwritten by accident.
 */
export async function createRunDir(path: string, force: boolean): Promise<string> {
  const dir = resolve(path);
  const entries = await readdir(dir).catch(() => undefined);
  if (entries !== undefined && entries.length > 0) {
    if (!force) {
      throw new TrainerError(
        `run directory ${dir} already exists and is not empty; pass --force to replace it, --resume ${dir} to continue it, or --name to pick another`,
      );
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(join(dir, RUN_FILES.checkpoints), { recursive: true });
  return dir;
}

/** Writes `value` as pretty JSON, atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads and parses a JSON file; errors name the file. */
export async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new TrainerError(`cannot read the ${what} ${path}: ${describeError(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TrainerError(`the ${what} ${path} is not valid JSON: ${describeError(error)}`);
  }
}

/** The checkpoint pointer `checkpoints/latest.json`. */
interface LatestPointer {
  format: "backprop.checkpoint-pointer";
  version: 1;
  /** Base name of the newest checkpoint: `<name>.safetensors` and `<name>.json`. */
  name: string;
}

/** What a checkpoint's JSON file holds: the training state and how to verify its weights file. */
interface CheckpointFile {
  format: "backprop.checkpoint";
  version: 1;
  weights: { file: string; bytes: number; sha256: string };
  state: TrainingState;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `epoch-0003` at an epoch boundary, `epoch-0003-batch-00017` mid-epoch. */
function checkpointName(state: TrainingState): string {
  const batch = (state.iterator as { batch?: number }).batch ?? 0;
  const epoch = `epoch-${String(state.epoch).padStart(4, "0")}`;
  return batch > 0 ? `${epoch}-batch-${String(batch).padStart(5, "0")}` : epoch;
}

/**
 * Writes a checkpoint into `<run>/checkpoints`: the weights (model and callback tensors) as
 * safetensors, the training state as JSON (with the weights' size and SHA-256), then the pointer
 * `latest.json`; each file atomically (temporary file, fsync, rename), the pointer last, so a crash
 * at any moment leaves the previous checkpoint intact and pointed to. Keeps the newest `keep`.
 */
export async function saveCheckpoint(runDir: string, checkpoint: Checkpoint, keep = 2): Promise<string> {
  const dir = join(runDir, RUN_FILES.checkpoints);
  await mkdir(dir, { recursive: true });
  const name = checkpointName(checkpoint.state);
  const weights = encodeSafetensors(checkpoint.tensors, { metadata: { format: "backprop.checkpoint" } });
  await writeFileAtomic(join(dir, `${name}.safetensors`), weights);
  const file: CheckpointFile = {
    format: "backprop.checkpoint",
    version: 1,
    weights: { file: `${name}.safetensors`, bytes: weights.length, sha256: sha256(weights) },
    state: checkpoint.state,
  };
  await writeFileAtomic(join(dir, `${name}.json`), JSON.stringify(file));
  const pointer: LatestPointer = { format: "backprop.checkpoint-pointer", version: 1, name };
  await writeJsonAtomic(join(dir, LATEST), pointer);
  await pruneCheckpoints(dir, name, keep);
  return join(dir, name);
}

/** Deletes all but the newest `keep` checkpoints (never the one `latest.json` names). */
async function pruneCheckpoints(dir: string, latest: string, keep: number): Promise<void> {
  const names = (await readdir(dir))
    .filter((f) => /^epoch-\d+(-batch-\d+)?\.json$/.test(f))
    .map((f) => f.slice(0, -5));
  names.sort();
  const old = names.filter((n) => n !== latest).slice(0, Math.max(0, names.length - Math.max(keep, 1)));
  for (const name of old) {
    await unlink(join(dir, `${name}.json`)).catch(() => undefined);
    await unlink(join(dir, `${name}.safetensors`)).catch(() => undefined);
  }
}

/** Whether a run directory has a checkpoint to resume from. */
export function hasCheckpoint(runDir: string): boolean {
  return existsSync(join(runDir, RUN_FILES.checkpoints, LATEST));
}

/** Reads the newest checkpoint of a run, verifying the pointer, the state and the weights' size and hash. */
export async function loadLatestCheckpoint(runDir: string, backend?: Backend): Promise<Checkpoint> {
  const dir = join(runDir, RUN_FILES.checkpoints);
  const pointerPath = join(dir, LATEST);
  if (!existsSync(pointerPath))
    throw new TrainerError(`${runDir} has no checkpoint to resume from (no ${pointerPath})`);
  const pointer = (await readJson(pointerPath, "checkpoint pointer")) as Partial<LatestPointer>;
  if (
    pointer.format !== "backprop.checkpoint-pointer" ||
    typeof pointer.name !== "string" ||
    !/^[\w-]+$/.test(pointer.name)
  ) {
    throw new TrainerError(
      `${pointerPath} is not a checkpoint pointer (expected {"format":"backprop.checkpoint-pointer","name":…})`,
    );
  }
  const statePath = join(dir, `${pointer.name}.json`);
  const file = (await readJson(statePath, "checkpoint")) as Partial<CheckpointFile>;
  if (
    file.format !== "backprop.checkpoint" ||
    file.version !== 1 ||
    file.state === undefined ||
    file.weights === undefined
  ) {
    throw new TrainerError(
      `${statePath} is not a backprop checkpoint (format backprop.checkpoint, version 1)`,
    );
  }
  const weightsPath = join(dir, file.weights.file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(weightsPath));
  } catch (error) {
    throw new TrainerError(`cannot read the checkpoint weights ${weightsPath}: ${describeError(error)}`);
  }
  if (bytes.length !== file.weights.bytes || sha256(bytes) !== file.weights.sha256) {
    throw new TrainerError(
      `the checkpoint weights ${weightsPath} are damaged: expected ${file.weights.bytes} bytes with SHA-256 ${file.weights.sha256}, found ${bytes.length} bytes with ${sha256(bytes)}`,
    );
  }
  const { tensors } = decodeSafetensors(bytes, { source: weightsPath, backend });
  return { tensors, state: file.state };
}
