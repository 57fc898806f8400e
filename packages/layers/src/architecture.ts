import type { Backend } from "@backprop/tensor";
import { LayerError, preview } from "./errors.js";
import type { LayerConfig, Module } from "./layer.js";
import { createLayerRegistry, type LayerRegistry } from "./registry.js";

/** The `format` field of an architecture JSON file. */
export const ARCHITECTURE_FORMAT = "backprop.architecture";
/** The `version` field of the architecture JSON this release writes and reads. */
export const ARCHITECTURE_VERSION = 1;

/**
 * A model's architecture as plain JSON (weights excluded; they go to safetensors):
 *
 * ```json
 * { "format": "backprop.architecture", "version": 1,
 *   "model": { "type": "Sequential", "layers": [
 *     { "type": "Dense", "inFeatures": 4, "outFeatures": 5, "bias": true, "dtype": "float64" },
 *     { "type": "Tanh" }, { "type": "Dropout", "p": 0.5, "seed": 1 }, ... ] } }
 * ```
 */
export interface Architecture {
  format: typeof ARCHITECTURE_FORMAT;
  version: typeof ARCHITECTURE_VERSION;
  model: LayerConfig;
}

/** The architecture JSON of a model. */
export function architectureOf(model: Module): Architecture {
  return { format: ARCHITECTURE_FORMAT, version: ARCHITECTURE_VERSION, model: model.toConfig() };
}

/** The default of `BuildOptions.maxParameters`: 2^28 parameters, 1 GiB of float32 weights. */
export const DEFAULT_MAX_PARAMETERS = 2 ** 28;

/** Options for rebuilding a model from its architecture JSON: the layer registry, the backend, the source named in errors and a parameter limit. */
export interface BuildOptions {
  /** Layer types known when rebuilding (default: `createLayerRegistry()`, the built-in layers). */
  registry?: LayerRegistry | undefined;
  /** Backend for the rebuilt weights (default: the JS backend). */
  backend?: Backend | undefined;
  /** Named in error messages (e.g. the file the JSON came from). */
  source?: string | undefined;
  /**
   * The most parameters (weights and biases, counted from the JSON before anything is allocated)
   * the built-in layers may have in all; default `DEFAULT_MAX_PARAMETERS`. A few bytes of JSON can
   * ask for a Dense layer of 2^60 weights: this is what refuses it. `loadModelFromBytes` lowers it to
   * the number of values the weights hold.
   */
  maxParameters?: number | undefined;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/**
 * The parameters the built-in layers of a config will allocate, read from the JSON alone: a Dense
 * layer has out·in weights and (unless "bias" is false) out biases, a Sequential its layers'. Sizes
 * the build will refuse anyway, and custom layer types, count 0. Iterative: any nesting is safe here.
 */
function countParameters(config: unknown): number {
  let total = 0;
  const pending = [config];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, "type")) continue;
    const { type, layers, inFeatures, outFeatures, bias } = node as Record<string, unknown>;
    if (type === "Sequential" && Object.hasOwn(node, "layers") && Array.isArray(layers)) {
      for (const layer of layers) pending.push(layer);
    } else if (type === "Dense" && isCount(inFeatures) && isCount(outFeatures)) {
      const withBias = !(Object.hasOwn(node, "bias") && bias === false);
      total += outFeatures * inFeatures + (withBias ? outFeatures : 0);
    }
  }
  return total;
}

/** Rebuilds a freshly initialised model from its architecture JSON (validated; errors name `source`). */
export function modelFromArchitecture(architecture: unknown, options: BuildOptions = {}): Module {
  return buildArchitecture(architecture, options);
}

/**
 * modelFromArchitecture for a loader that holds `weightValues` values for the parameters: the
 * layers may not have more parameters than that (nor than `maxParameters`).
 */
export function buildArchitecture(
  architecture: unknown,
  options: BuildOptions,
  weightValues?: number,
): Module {
  const where =
    options.source === undefined ? "modelFromArchitecture" : `modelFromArchitecture(${options.source})`;
  if (typeof architecture !== "object" || architecture === null) {
    throw new LayerError(`${where}: expected an architecture object, got ${preview(architecture)}`);
  }
  const { format, version, model } = architecture as Partial<Architecture>;
  if (format !== ARCHITECTURE_FORMAT) {
    throw new LayerError(`${where}: "format" must be "${ARCHITECTURE_FORMAT}", got ${preview(format)}`);
  }
  if (version !== ARCHITECTURE_VERSION) {
    throw new LayerError(
      `${where}: unsupported "version" ${preview(version)} (this library reads version ${ARCHITECTURE_VERSION})`,
    );
  }
  const maxParameters = options.maxParameters ?? DEFAULT_MAX_PARAMETERS;
  if (!(maxParameters >= 0)) {
    throw new LayerError(`${where}: maxParameters must be a non-negative number, got ${maxParameters}`);
  }
  const [limit, what] =
    weightValues !== undefined && weightValues < maxParameters
      ? [weightValues, `the ${weightValues} values the weights hold`]
      : [maxParameters, `maxParameters = ${maxParameters}`];
  const parameters = countParameters(model);
  if (parameters > limit) {
    throw new LayerError(
      `${where}: the layers would have ${parameters} parameters, more than ${what}; nothing was allocated`,
    );
  }
  const registry = options.registry ?? createLayerRegistry();
  try {
    return registry.build(model as LayerConfig, options.backend);
  } catch (error) {
    if (options.source !== undefined && error instanceof LayerError) {
      throw new LayerError(`${options.source}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
