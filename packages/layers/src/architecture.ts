import type { Backend } from "@backprop/tensor";
import { LayerError } from "./errors.js";
import type { LayerConfig, Module } from "./layer.js";
import { createLayerRegistry, type LayerRegistry } from "./registry.js";

export const ARCHITECTURE_FORMAT = "backprop.architecture";
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

export interface BuildOptions {
  /** Layer types known when rebuilding (default: `createLayerRegistry()`, the built-in layers). */
  registry?: LayerRegistry | undefined;
  /** Backend for the rebuilt weights (default: the JS backend). */
  backend?: Backend | undefined;
  /** Named in error messages (e.g. the file the JSON came from). */
  source?: string | undefined;
}

/** Rebuilds a freshly initialised model from its architecture JSON (validated; errors name `source`). */
export function modelFromArchitecture(architecture: unknown, options: BuildOptions = {}): Module {
  const where =
    options.source === undefined ? "modelFromArchitecture" : `modelFromArchitecture(${options.source})`;
  if (typeof architecture !== "object" || architecture === null) {
    throw new LayerError(`${where}: expected an architecture object, got ${JSON.stringify(architecture)}`);
  }
  const { format, version, model } = architecture as Partial<Architecture>;
  if (format !== ARCHITECTURE_FORMAT) {
    throw new LayerError(
      `${where}: "format" must be "${ARCHITECTURE_FORMAT}", got ${JSON.stringify(format)}`,
    );
  }
  if (version !== ARCHITECTURE_VERSION) {
    throw new LayerError(
      `${where}: unsupported "version" ${JSON.stringify(version)} (this library reads version ${ARCHITECTURE_VERSION})`,
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
