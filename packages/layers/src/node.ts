/**
 * Node file helpers for @backprop/layers (the only module of the package that imports `node:`):
 * atomic writes and validated reads of safetensors files and saved models.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Tensor } from "@backprop/tensor";
import { type BuildOptions, modelFromArchitecture } from "./architecture.js";
import { LayerError, SafetensorsError } from "./errors.js";
import type { Module } from "./layer.js";
import {
  type DecodeSafetensorsOptions,
  decodeSafetensors,
  type EncodeSafetensorsOptions,
  encodeSafetensors,
  type SafetensorsContents,
} from "./safetensors.js";
import { loadModelFromBytes, saveModelToBytes } from "./serialize.js";

/** The file names `saveModel` writes into its directory. */
export const MODEL_ARCHITECTURE_FILE = "model.json";
/** The weights file (safetensors) `saveModel` writes into its directory. */
export const MODEL_WEIGHTS_FILE = "model.safetensors";
/**
 * The largest architecture JSON file `readArchitectureFile` and `loadModel` read (16 MiB), checked
 * before the file is read: an architecture is a few bytes per layer, so anything near it is forged.
 */
export const MODEL_ARCHITECTURE_MAX_BYTES = 16 * 1024 * 1024;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Writes `data` to `path` atomically: into a temporary file in the same directory, fsync'd, then
 * renamed over `path` (and the directory fsync'd where the platform allows). Readers see the old
 * file or the new one, never a partial write; a failed write leaves no temporary file behind.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temporary, "wx");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new LayerError(`writeFileAtomic: cannot write ${path}: ${describe(error)}`, { cause: error });
  }
  // Make the rename itself durable. Some platforms cannot open or fsync a directory; the file is written either way.
  const directory = await open(dirname(path), "r").catch(() => undefined);
  if (directory !== undefined) {
    await directory.sync().catch(() => undefined);
    await directory.close();
  }
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new SafetensorsError(
      `cannot read the file: ${describe(error)}`,
      { code: "Io", file: path },
      { cause: error },
    );
  }
}

/** Writes named tensors to a safetensors file, atomically. */
export async function writeSafetensorsFile(
  path: string,
  tensors: Iterable<readonly [string, Tensor]> | Record<string, Tensor>,
  options: EncodeSafetensorsOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, options));
}

/** Reads and fully validates a safetensors file; errors name the file. */
export async function readSafetensorsFile(
  path: string,
  options: Omit<DecodeSafetensorsOptions, "source"> = {},
): Promise<SafetensorsContents> {
  return decodeSafetensors(await readBytes(path), { ...options, source: path });
}

/** The two files of a saved model. */
export interface SavedModelPaths {
  architecture: string;
  weights: string;
}

/**
 * Saves a model into `directory` (created if missing): `model.json` (the architecture, see
 * `architectureOf`) and `model.safetensors` (the weights), each written atomically.
 */
export async function saveModel(
  model: Module,
  directory: string,
  options: { metadata?: Record<string, string> | undefined } = {},
): Promise<SavedModelPaths> {
  const paths = {
    architecture: join(directory, MODEL_ARCHITECTURE_FILE),
    weights: join(directory, MODEL_WEIGHTS_FILE),
  };
  await mkdir(directory, { recursive: true });
  const saved = saveModelToBytes(model, options.metadata);
  await writeFileAtomic(paths.weights, saved.weights);
  await writeFileAtomic(paths.architecture, `${JSON.stringify(saved.architecture, null, 2)}\n`);
  return paths;
}

async function readJsonFile(path: string): Promise<unknown> {
  const size = await stat(path).then(
    (s) => s.size,
    () => 0, // a missing or unreadable file is reported by readBytes
  );
  if (size > MODEL_ARCHITECTURE_MAX_BYTES) {
    throw new LayerError(
      `${path}: the architecture file is ${size} bytes, more than the limit of ${MODEL_ARCHITECTURE_MAX_BYTES} (MODEL_ARCHITECTURE_MAX_BYTES)`,
    );
  }
  const text = new TextDecoder().decode(await readBytes(path));
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LayerError(`${path}: not valid JSON: ${describe(error)}`, { cause: error });
  }
}

/** Reads a model's architecture JSON file and rebuilds the (freshly initialised) model. */
export async function readArchitectureFile(
  path: string,
  options: Omit<BuildOptions, "source"> = {},
): Promise<Module> {
  return modelFromArchitecture(await readJsonFile(path), { ...options, source: path });
}

/**
 * Rebuilds the exact model `saveModel` wrote into `directory`: same architecture, bitwise the same
 * weights (see `loadModelFromBytes`: the weights bound what the architecture may allocate).
 */
export async function loadModel(
  directory: string,
  options: Omit<BuildOptions, "source"> = {},
): Promise<Module> {
  const architecturePath = join(directory, MODEL_ARCHITECTURE_FILE);
  const architecture = await readJsonFile(architecturePath);
  const weightsPath = join(directory, MODEL_WEIGHTS_FILE);
  return loadModelFromBytes(
    { architecture, weights: await readBytes(weightsPath) },
    { ...options, source: architecturePath, weightsSource: weightsPath },
  );
}
