import { formatShape, type Parameter, sameShape, type Tensor } from "@backprop/tensor";
import { type Architecture, architectureOf, type BuildOptions, buildArchitecture } from "./architecture.js";
import { SafetensorsError } from "./errors.js";
import type { Layer, Module } from "./layer.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";

/** A saved model: the architecture JSON and the weights as a safetensors file. */
export interface SavedModel {
  architecture: Architecture;
  weights: Uint8Array;
}

/** The model's weights as a safetensors file, keyed by parameter name ("0.weight", ...), in parameter order. */
export function encodeWeights(model: Layer, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(
    model.parameters().map((p) => [p.name, p.value] as const),
    { metadata },
  );
}

/**
 * Copies `tensors` into the model's parameters. Strict: every parameter must be present with its
 * exact dtype and shape, and no other tensor may be (a PyTorch state_dict of the same architecture
 * fits). Errors name `source`, the tensor, and expected vs. actual.
 */
export function loadWeights(model: Layer, tensors: ReadonlyMap<string, Tensor>, source?: string): void {
  const where = source === undefined ? {} : { file: source };
  const params: Parameter[] = model.parameters();
  for (const p of params) {
    const t = tensors.get(p.name);
    if (t === undefined) {
      throw new SafetensorsError(
        `missing: the model expects ${p.value.dtype} ${formatShape(p.value.shape)}`,
        {
          code: "MissingTensor",
          tensor: p.name,
          ...where,
        },
      );
    }
    if (t.dtype !== p.value.dtype || !sameShape(t.shape, p.value.shape)) {
      throw new SafetensorsError(
        `the model expects ${p.value.dtype} ${formatShape(p.value.shape)}, the weights hold ${t.dtype} ${formatShape(t.shape)}`,
        { code: "TensorMismatch", tensor: p.name, ...where },
      );
    }
  }
  const expected = new Set(params.map((p) => p.name));
  for (const name of tensors.keys()) {
    if (!expected.has(name)) {
      throw new SafetensorsError(
        `unexpected: the model has no parameter of this name (it has ${[...expected].join(", ")})`,
        {
          code: "UnexpectedTensor",
          tensor: name,
          ...where,
        },
      );
    }
  }
  for (const p of params) p.value.write(tensors.get(p.name)!.read());
}

/** The architecture JSON and safetensors weights of a model (`loadModelFromBytes` rebuilds it bit for bit). */
export function saveModelToBytes(model: Module, metadata?: Record<string, string>): SavedModel {
  return { architecture: architectureOf(model), weights: encodeWeights(model, metadata) };
}

/** Options for loading a model (architecture and weights): the build options and the weights' name in errors. */
export interface LoadModelOptions extends BuildOptions {
  /** Named in errors about the weights (default: `source`). */
  weightsSource?: string | undefined;
}

/**
 * Rebuilds a model from its architecture JSON and loads its weights (validated, strict, bitwise).
 * The weights are decoded first, and the architecture may not ask for more parameters than they hold
 * values (`maxParameters` is lowered to that count), so no file allocates more than its own size.
 */
export function loadModelFromBytes(
  saved: { architecture: unknown; weights: Uint8Array },
  options: LoadModelOptions = {},
): Module {
  const weightsSource = options.weightsSource ?? options.source;
  const { tensors } = decodeSafetensors(saved.weights, { source: weightsSource, backend: options.backend });
  let values = 0;
  for (const t of tensors.values()) values += t.size;
  const model = buildArchitecture(saved.architecture, options, values);
  loadWeights(model, tensors, weightsSource);
  return model;
}
