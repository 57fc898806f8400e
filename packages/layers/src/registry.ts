import { type Backend, isDType } from "@backprop/tensor";
import {
  ELU,
  GELU,
  Identity,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from "./activations.js";
import { Dense } from "./dense.js";
import { Dropout } from "./dropout.js";
import { LayerError, preview } from "./errors.js";
import type { JsonValue, LayerConfig, Module } from "./layer.js";
import { Sequential } from "./sequential.js";

/** What a factory gets besides the config: the registry (for nested layers) and where to put weights. */
export interface BuildContext {
  readonly registry: LayerRegistry;
  readonly backend?: Backend | undefined;
}

/** Builds a layer from its config; validates the config and throws a LayerError naming the bad field. */
export type LayerFactory = (config: LayerConfig, context: BuildContext) => Module;

/**
 * How deeply `build` nests (a Sequential inside a Sequential inside …). Real models nest a few
 * levels; the bound turns a forged config nested thousands deep into a LayerError instead of a
 * stack overflow.
 */
export const MAX_LAYER_NESTING = 100;

/**
 * Layer types by name, for rebuilding models from JSON. A registry is a value: create one with
 * `createLayerRegistry()` (which knows the built-in layers), register your own layer types on it,
 * and pass it to `modelFromArchitecture` / `loadModel`. Nothing is registered globally.
 */
export class LayerRegistry {
  private readonly factories = new Map<string, LayerFactory>();
  /** How many `build` calls are running (a container's factory builds its layers through `build`). */
  private nesting = 0;

  /** Adds a layer type; registering a type twice is an error (use another name). */
  register(type: string, factory: LayerFactory): this {
    if (this.factories.has(type))
      throw new LayerError(`LayerRegistry.register: layer type "${type}" is already registered`);
    this.factories.set(type, factory);
    return this;
  }

  /** Whether a layer type of this name is registered. */
  has(type: string): boolean {
    return this.factories.has(type);
  }

  /** The registered type names. */
  types(): string[] {
    return [...this.factories.keys()];
  }

  /** Builds the layer a config describes (nested at most MAX_LAYER_NESTING deep). */
  build(config: LayerConfig, backend?: Backend): Module {
    if (typeof config !== "object" || config === null || typeof config.type !== "string") {
      throw new LayerError(
        `LayerRegistry.build: a layer config must be an object with a string "type", got ${preview(config)}`,
      );
    }
    const factory = this.factories.get(config.type);
    if (factory === undefined) {
      throw new LayerError(
        `LayerRegistry.build: unknown layer type ${preview(config.type)} (known: ${this.types().join(", ")})`,
      );
    }
    if (this.nesting >= MAX_LAYER_NESTING) {
      throw new LayerError(
        `LayerRegistry.build: layers nested more than ${MAX_LAYER_NESTING} deep (at a ${preview(config.type)})`,
      );
    }
    this.nesting++;
    try {
      return factory(config, { registry: this, backend });
    } finally {
      this.nesting--;
    }
  }
}

function field(config: LayerConfig, key: string): JsonValue | undefined {
  return Object.hasOwn(config, key) ? config[key] : undefined;
}

/** A number field of a config (undefined when absent); any other type is an error naming the field. */
function numberField(config: LayerConfig, key: string): number | undefined {
  const value = field(config, key);
  if (value === undefined) return undefined;
  if (typeof value !== "number")
    throw new LayerError(`${config.type} config: "${key}" must be a number, got ${preview(value)}`);
  return value;
}

function requiredNumber(config: LayerConfig, key: string): number {
  const value = numberField(config, key);
  if (value === undefined) throw new LayerError(`${config.type} config: "${key}" is missing`);
  return value;
}

function booleanField(config: LayerConfig, key: string): boolean | undefined {
  const value = field(config, key);
  if (value === undefined || typeof value === "boolean") return value;
  throw new LayerError(`${config.type} config: "${key}" must be true or false, got ${preview(value)}`);
}

function denseFromConfig(config: LayerConfig, { backend }: BuildContext): Module {
  const dtype = field(config, "dtype") ?? "float32";
  if (!isDType(dtype))
    throw new LayerError(`Dense config: "dtype" must be "float32" or "float64", got ${preview(dtype)}`);
  return new Dense(requiredNumber(config, "inFeatures"), requiredNumber(config, "outFeatures"), {
    bias: booleanField(config, "bias"),
    dtype,
    backend,
  });
}

function geluFromConfig(config: LayerConfig): Module {
  const approximate = field(config, "approximate") ?? "none";
  if (approximate !== "none" && approximate !== "tanh") {
    throw new LayerError(`GELU config: "approximate" must be "none" or "tanh", got ${preview(approximate)}`);
  }
  return new GELU({ approximate });
}

function sequentialFromConfig(config: LayerConfig, { registry, backend }: BuildContext): Module {
  const layers = field(config, "layers");
  if (!Array.isArray(layers))
    throw new LayerError(`Sequential config: "layers" must be an array, got ${preview(layers)}`);
  return new Sequential(layers.map((layer) => registry.build(layer as LayerConfig, backend)));
}

/** A registry that knows every built-in layer: Dense, Dropout, Sequential and the activations. */
export function createLayerRegistry(): LayerRegistry {
  return new LayerRegistry()
    .register("Dense", denseFromConfig)
    .register(
      "Dropout",
      (config) => new Dropout(requiredNumber(config, "p"), { seed: numberField(config, "seed") }),
    )
    .register("Sequential", sequentialFromConfig)
    .register("Identity", () => new Identity())
    .register("Sigmoid", () => new Sigmoid())
    .register("Tanh", () => new Tanh())
    .register("ReLU", () => new ReLU())
    .register("LeakyReLU", (config) => new LeakyReLU({ slope: numberField(config, "slope") }))
    .register("ELU", (config) => new ELU({ alpha: numberField(config, "alpha") }))
    .register("GELU", geluFromConfig)
    .register(
      "Softplus",
      (config) =>
        new Softplus({ beta: numberField(config, "beta"), threshold: numberField(config, "threshold") }),
    )
    .register("SiLU", () => new SiLU())
    .register("Softmax", () => new Softmax())
    .register("LogSoftmax", () => new LogSoftmax());
}
