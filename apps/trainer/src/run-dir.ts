import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, rm, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { decodeSafetensors, encodeSafetensors } from "@backprop/layers";
import { writeFileAtomic } from "@backprop/layers/node";
import type { StateTensor } from "@backprop/optimizers";
import { ArrayStorage, type Backend, Tensor } from "@backprop/tensor";
import * as v from "valibot";
import type { Checkpoint, TrainingState } from "./callback.js";
import { isRunName } from "./config.js";
import { describeError, TrainerError } from "./errors.js";
import { RUN_LOCK_FILE } from "./run-lock.js";

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

/** Temporary files `writeFileAtomic` leaves behind when a process is killed mid-write. */
const ATOMIC_TEMPORARY = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * Creates a fresh run directory (empty: config.json is the first file written into it, checkpoints/
 * comes with the first checkpoint). An existing directory is an error unless it is empty (ignoring the
 * temporary files of a killed atomic write and a lock file, whose holder `checkNotLocked` has checked)
 * or `force` is set; `force` replaces run directories only
 * (those with config.json, which is deleted last, so a replacement killed half-way is still
 * recognised as one): nothing a user saved is overwritten by accident, and `--force` never deletes an
 * unrelated folder.
 */
export async function createRunDir(path: string, force: boolean): Promise<string> {
  const dir = resolve(path);
  const entries = (await readdir(dir).catch(() => [] as string[])).filter(
    (e) => !ATOMIC_TEMPORARY.test(e) && e !== RUN_LOCK_FILE,
  );
  if (entries.length > 0) {
    if (!force) {
      throw new TrainerError(
        `run directory ${dir} already exists and is not empty; pass --force to replace it, --resume ${dir} to continue it, or --name to pick another`,
      );
    }
    if (!entries.includes(RUN_FILES.config)) {
      throw new TrainerError(
        `--force replaces run directories only, and ${dir} is not one (it has no ${RUN_FILES.config}); pick another --name or --out-dir`,
      );
    }
    for (const entry of entries)
      if (entry !== RUN_FILES.config) await rm(join(dir, entry), { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * The run directory `<outDir>/<name>`: `name` is one path segment (letters, digits, '.', '_', '-';
 * not "." or ".."), so the run can never land outside `outDir`.
 */
export function runDirectory(outDir: string, name: string): string {
  const root = resolve(outDir);
  const dir = resolve(root, name);
  if (!isRunName(name) || resolve(dir, "..") !== root) {
    throw new TrainerError(
      `run name ${JSON.stringify(name)} must be a single folder name of letters, digits, '.', '_' and '-' (not "." or "..")`,
    );
  }
  return dir;
}

/** Writes `value` as pretty JSON, atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The largest JSON files the trainer reads, checked before a byte is parsed: 64 KiB for the
 * checkpoint pointer, 512 MiB for a checkpoint's state (version 1 held the optimizer state as JSON
 * numbers, ~50 bytes per parameter with Adam; V8 cannot hold a longer string anyway), 16 MiB for
 * everything else (config files, config.json, preprocessing.json).
 */
export const JSON_SIZE_LIMITS = {
  pointer: 64 * 1024,
  checkpoint: 512 * 1024 * 1024,
  other: 16 * 1024 * 1024,
} as const;

/** Keys that would reach an object's prototype when copied by assignment: refused in every file read. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Parses JSON text, refusing the keys "__proto__", "constructor" and "prototype" anywhere in it (none
 * of the trainer's files has them, and a copy by assignment would turn them into a prototype).
 */
export function parseJson(text: string, where: string): unknown {
  let forbidden: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, function (this: unknown, key: string, v: unknown) {
      if (PROTOTYPE_KEYS.has(key) && !Array.isArray(this)) forbidden ??= key;
      return v;
    });
  } catch (error) {
    throw new TrainerError(`${where} is not valid JSON: ${describeError(error)}`);
  }
  if (forbidden !== undefined)
    throw new TrainerError(`${where} has the key ${JSON.stringify(forbidden)}, which is not allowed`);
  return value;
}

/** Reads a whole file of at most `maxBytes` (its size is checked before it is read); errors name the file. */
export async function readFileLimited(path: string, what: string, maxBytes: number): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new TrainerError(`cannot read the ${what} ${path}: ${describeError(error)}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new TrainerError(
        `the ${what} ${path} is ${size.toLocaleString("en-US")} bytes, more than the limit of ${maxBytes.toLocaleString("en-US")}`,
      );
    }
    return new Uint8Array(await handle.readFile());
  } catch (error) {
    if (error instanceof TrainerError) throw error;
    throw new TrainerError(`cannot read the ${what} ${path}: ${describeError(error)}`);
  } finally {
    await handle.close();
  }
}

/**
 * Reads and parses a JSON file of at most `maxBytes` (default `JSON_SIZE_LIMITS.other`), refusing
 * prototype keys (see `parseJson`); errors name the file.
 */
export async function readJson(
  path: string,
  what: string,
  maxBytes: number = JSON_SIZE_LIMITS.other,
): Promise<unknown> {
  const bytes = await readFileLimited(path, what, maxBytes);
  return parseJson(new TextDecoder().decode(bytes), `the ${what} ${path}`);
}

/** The checkpoint pointer `checkpoints/latest.json`. */
interface LatestPointer {
  format: "backprop.checkpoint-pointer";
  version: 1;
  /** Base name of the newest checkpoint: `<name>.safetensors` and `<name>.json`. */
  name: string;
}

/** A binary file of a checkpoint, as its JSON names and verifies it. */
interface FileDigest {
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * What a checkpoint's JSON file holds: the training state (small scalars and structure) and how to
 * verify its two binary files, the weights (model and callback tensors) and the optimizer's buffers.
 * Version 1 (before the optimizer file) held the optimizer state as JSON numbers; it is still read.
 */
interface CheckpointFile {
  format: "backprop.checkpoint";
  version: 2;
  weights: FileDigest;
  optimizer: FileDigest;
  state: TrainingState;
}

const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

const PointerSchema = v.object({
  format: v.literal("backprop.checkpoint-pointer"),
  version: v.literal(1),
  name: v.pipe(v.string(), v.regex(/^[\w-]+$/, "a checkpoint name of letters, digits, '_' and '-'")),
});

const FileDigestSchema = v.object({
  file: v.string(),
  bytes: count,
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "a SHA-256 in hex")),
});

/** A checkpoint's JSON file: the structure `saveCheckpoint` writes; the parts other packages own are checked there. */
const CheckpointFileSchema = v.object({
  format: v.literal("backprop.checkpoint"),
  version: v.union([v.literal(1), v.literal(2)]),
  weights: FileDigestSchema,
  optimizer: v.optional(FileDigestSchema),
  state: v.object({
    format: v.literal("backprop.training-state"),
    version: v.literal(1),
    epoch: count,
    step: count,
    stopped: v.boolean(),
    iterator: v.record(v.string(), v.unknown()),
    optimizer: v.record(v.string(), v.unknown()),
    accumulators: v.record(v.string(), v.array(v.number())),
    epochSeconds: v.pipe(v.number(), v.minValue(0)),
    layerRngs: v.record(v.string(), v.unknown()),
    callbacks: v.record(v.string(), v.unknown()),
    history: v.array(v.objectWithRest({ epoch: count, step: count }, v.nullable(v.number()))),
  }),
});

/** Validates parsed JSON against a schema; the error names the file and the first bad field. */
function checked<S extends v.GenericSchema>(
  schema: S,
  value: unknown,
  path: string,
  what: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? "the file";
  throw new TrainerError(`${path} is not a valid ${what}: ${field}: ${issue.message}`);
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

/** The optimizer buffers as tensors for safetensors (views, no copies). */
function optimizerTensors(checkpoint: Checkpoint): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, t] of checkpoint.optimizerTensors)
    out.set(key, new Tensor(new ArrayStorage(t.data), t.shape));
  return out;
}

/**
 * Writes a checkpoint into `<run>/checkpoints`: the weights (model and callback tensors) as
 * `<name>.safetensors`, the optimizer's buffers as `<name>.optimizer.safetensors`, the training state
 * as `<name>.json` (small: scalars, structure and each binary file's size and SHA-256), then the
 * pointer `latest.json`; each file atomically (temporary file, fsync, rename), the pointer last, so a
 * crash or a full disk at any moment leaves the previous checkpoint intact and pointed to (the files
 * of a failed checkpoint are removed). Keeps the newest `keep`.
 */
export async function saveCheckpoint(runDir: string, checkpoint: Checkpoint, keep = 2): Promise<string> {
  const dir = join(runDir, RUN_FILES.checkpoints);
  const name = checkpointName(checkpoint.state);
  const previous = await latestName(dir);
  const written: string[] = [];
  const write = async (file: string, data: Uint8Array): Promise<FileDigest> => {
    written.push(file);
    await writeFileAtomic(join(dir, file), data);
    return { file, bytes: data.length, sha256: sha256(data) };
  };
  try {
    await mkdir(dir, { recursive: true });
    const metadata = { format: "backprop.checkpoint" };
    const weights = await write(`${name}.safetensors`, encodeSafetensors(checkpoint.tensors, { metadata }));
    const optimizer = await write(
      `${name}.optimizer.safetensors`,
      encodeSafetensors(optimizerTensors(checkpoint), { metadata }),
    );
    const file: CheckpointFile = {
      format: "backprop.checkpoint",
      version: 2,
      weights,
      optimizer,
      state: checkpoint.state,
    };
    await write(`${name}.json`, new TextEncoder().encode(JSON.stringify(file)));
    const pointer: LatestPointer = { format: "backprop.checkpoint-pointer", version: 1, name };
    await writeJsonAtomic(join(dir, LATEST), pointer);
  } catch (error) {
    if (name !== previous) for (const file of written) await unlink(join(dir, file)).catch(() => undefined);
    const kept =
      previous === undefined
        ? "no earlier checkpoint exists"
        : `the previous checkpoint ${previous} is intact (continue with --resume ${runDir})`;
    throw new TrainerError(
      `cannot write the checkpoint ${name} into ${dir}: ${describeError(error)}; ${kept}`,
      { cause: error },
    );
  }
  await pruneCheckpoints(dir, name, keep);
  return join(dir, name);
}

/** The checkpoint `latest.json` names, or undefined when there is none (or it is unreadable). */
async function latestName(dir: string): Promise<string | undefined> {
  try {
    const pointer = await readJson(join(dir, LATEST), "checkpoint pointer", JSON_SIZE_LIMITS.pointer);
    const result = v.safeParse(PointerSchema, pointer);
    return result.success ? result.output.name : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes all but the newest `keep` checkpoints (never the one `latest.json` names). */
async function pruneCheckpoints(dir: string, latest: string, keep: number): Promise<void> {
  const names = (await readdir(dir))
    .filter((f) => /^epoch-\d+(-batch-\d+)?\.json$/.test(f))
    .map((f) => f.slice(0, -5));
  names.sort();
  const old = names.filter((n) => n !== latest).slice(0, Math.max(0, names.length - Math.max(keep, 1)));
  for (const name of old) {
    for (const file of [`${name}.json`, `${name}.safetensors`, `${name}.optimizer.safetensors`])
      await unlink(join(dir, file)).catch(() => undefined);
  }
}

/** Whether a run directory has a checkpoint to resume from. */
export function hasCheckpoint(runDir: string): boolean {
  return existsSync(join(runDir, RUN_FILES.checkpoints, LATEST));
}

/**
 * Reads the newest checkpoint of a run, verifying the pointer, the state's structure (every file is
 * size-limited before parsing and refused if it holds prototype keys) and the weights' size and hash.
 * The weights file must be the one the pointer names, inside the checkpoints directory.
 */
export async function loadLatestCheckpoint(runDir: string, backend?: Backend): Promise<Checkpoint> {
  const dir = join(runDir, RUN_FILES.checkpoints);
  const pointerPath = join(dir, LATEST);
  if (!existsSync(pointerPath))
    throw new TrainerError(`${runDir} has no checkpoint to resume from (no ${pointerPath})`);
  const pointer = checked(
    PointerSchema,
    await readJson(pointerPath, "checkpoint pointer", JSON_SIZE_LIMITS.pointer),
    pointerPath,
    "checkpoint pointer",
  );
  const statePath = join(dir, `${pointer.name}.json`);
  const file = checked(
    CheckpointFileSchema,
    await readJson(statePath, "checkpoint", JSON_SIZE_LIMITS.checkpoint),
    statePath,
    "backprop checkpoint (format backprop.checkpoint, version 1 or 2)",
  );
  const weights = await readVerified(dir, statePath, file.weights, `${pointer.name}.safetensors`, "weights");
  const { tensors } = decodeSafetensors(weights.bytes, { source: weights.path, backend });
  if (file.version === 1) return { tensors, optimizerTensors: new Map(), state: file.state as TrainingState };
  if (file.optimizer === undefined)
    throw new TrainerError(`${statePath} is not a valid backprop checkpoint: optimizer: missing (version 2)`);
  const optimizer = await readVerified(
    dir,
    statePath,
    file.optimizer,
    `${pointer.name}.optimizer.safetensors`,
    "optimizer state",
  );
  const optimizerTensors = new Map<string, StateTensor>();
  for (const [key, t] of decodeSafetensors(optimizer.bytes, { source: optimizer.path }).tensors)
    optimizerTensors.set(key, { dtype: t.dtype, shape: [...t.shape], data: t.read() });
  return { tensors, optimizerTensors, state: file.state as TrainingState };
}

/**
 * Reads a checkpoint's binary file: it must be `expected` (beside the JSON, in the checkpoints
 * directory) and have the size and SHA-256 the JSON records.
 */
async function readVerified(
  dir: string,
  statePath: string,
  digest: FileDigest,
  expected: string,
  what: string,
): Promise<{ path: string; bytes: Uint8Array }> {
  if (digest.file !== expected) {
    throw new TrainerError(
      `${statePath}: the ${what} file must be ${JSON.stringify(expected)} (beside it), got ${JSON.stringify(digest.file)}`,
    );
  }
  const path = join(dir, expected);
  const bytes = await readFileLimited(path, `checkpoint ${what}`, digest.bytes);
  if (bytes.length !== digest.bytes || sha256(bytes) !== digest.sha256) {
    throw new TrainerError(
      `the checkpoint ${what} file ${path} is damaged: expected ${digest.bytes} bytes with SHA-256 ${digest.sha256}, found ${bytes.length} bytes with ${sha256(bytes)}`,
    );
  }
  return { path, bytes };
}
