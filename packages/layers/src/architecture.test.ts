import { countingBackend, expectPrototypesUnchanged, prototypeSnapshot } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  architectureOf,
  DEFAULT_MAX_PARAMETERS,
  encodeWeights,
  LayerError,
  loadModelFromBytes,
  MAX_LAYER_NESTING,
  mlp,
  modelFromArchitecture,
} from "./index.js";

const architecture = (model: unknown) => ({ format: "backprop.architecture", version: 1, model });
const dense = (inFeatures: unknown, outFeatures: unknown) => ({ type: "Dense", inFeatures, outFeatures });

/** Builds through a counting backend: the LayerError, and how many bytes of tensors were allocated. */
function refuse(build: (backend: ReturnType<typeof countingBackend>["backend"]) => unknown): {
  error: LayerError;
  allocated: number;
} {
  const { backend, allocatedBytes } = countingBackend();
  try {
    build(backend);
  } catch (error) {
    expect(error).toBeInstanceOf(LayerError);
    return { error: error as LayerError, allocated: allocatedBytes() };
  }
  throw new Error("building succeeded");
}

describe("architecture hardening: forged JSON is refused before anything is allocated", () => {
  it("a Dense layer of 2^60 weights, alone or spread over a Sequential", () => {
    const single = refuse((backend) =>
      modelFromArchitecture(architecture(dense(2 ** 30, 2 ** 30)), { backend }),
    );
    expect(single.allocated).toBe(0);
    expect(single.error.message).toBe(
      `modelFromArchitecture: the layers would have ${2 ** 60 + 2 ** 30} parameters, more than maxParameters = ${DEFAULT_MAX_PARAMETERS}; nothing was allocated`,
    );
    // A valid first layer does not get built before the huge second one is noticed.
    const sequential = architecture({ type: "Sequential", layers: [dense(2, 3), dense(3, 2 ** 40)] });
    expect(
      refuse((backend) => modelFromArchitecture(sequential, { backend, source: "m.json" })).allocated,
    ).toBe(0);
  });

  it("maxParameters bounds the total; it can be raised, and is validated", () => {
    const arch = architecture({ type: "Sequential", layers: [dense(4, 5), dense(5, 2)] }); // 25 + 12 parameters
    expect(() => modelFromArchitecture(arch, { maxParameters: 36 })).toThrow(
      "the layers would have 37 parameters, more than maxParameters = 36",
    );
    expect(modelFromArchitecture(arch, { maxParameters: 37 }).parameters()).toHaveLength(4);
    // The count is exact: a Dense layer without bias has no biases (the fuzz test caught an overcount).
    const noBias = mlp({ sizes: [4, 5, 2], bias: false });
    expect(() =>
      loadModelFromBytes(
        { architecture: architectureOf(noBias), weights: encodeWeights(noBias) },
        { maxParameters: 30 },
      ),
    ).not.toThrow();
    expect(() => modelFromArchitecture(architectureOf(noBias), { maxParameters: 29 })).toThrow(
      "the layers would have 30 parameters, more than maxParameters = 29",
    );
    expect(() => modelFromArchitecture(arch, { maxParameters: Number.NaN })).toThrow(
      "modelFromArchitecture: maxParameters must be a non-negative number, got NaN",
    );
  });

  it("loadModelFromBytes: the architecture may not ask for more parameters than the weights hold", () => {
    const weights = encodeWeights(mlp({ sizes: [2, 3] })); // 9 values
    const { error, allocated } = refuse((backend) =>
      loadModelFromBytes(
        { architecture: architecture(dense(2 ** 20, 2 ** 20)), weights },
        { backend, source: "model.json" },
      ),
    );
    expect(error.message).toBe(
      `modelFromArchitecture(model.json): the layers would have ${2 ** 40 + 2 ** 20} parameters, more than the 9 values the weights hold; nothing was allocated`,
    );
    expect(allocated).toBe(9 * 4); // the decoded weights, nothing more
  });

  it("layers nested thousands deep: a LayerError, not a stack overflow", () => {
    let model: unknown = { type: "Identity" };
    for (let i = 0; i < 20_000; i++) model = { type: "Sequential", layers: [model] };
    expect(() => modelFromArchitecture(architecture(model), { source: "deep.json" })).toThrow(
      `deep.json: LayerRegistry.build: layers nested more than ${MAX_LAYER_NESTING} deep (at a "Sequential")`,
    );
    let fine: unknown = { type: "Tanh" };
    for (let i = 1; i < MAX_LAYER_NESTING; i++) fine = { type: "Sequential", layers: [fine] };
    expect(modelFromArchitecture(architecture(fine)).toConfig()).toEqual(fine);
    const deepValue = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(() => modelFromArchitecture(architecture(dense(deepValue, 2)))).toThrow(
      'Dense config: "inFeatures" must be a number, got (an array that cannot be written as JSON)',
    );
    expect(() => modelFromArchitecture(architecture({ type: "Sequential", layers: [deepValue] }))).toThrow(
      'a layer config must be an object with a string "type", got (an array that cannot be written as JSON)',
    );
  });

  it("values a JSON file cannot hold, and a Dropout seed that is not one, are LayerErrors too", () => {
    expect(() => modelFromArchitecture(architecture({ type: "Dropout", p: 0.5, seed: 1.5 }))).toThrow(
      "Dropout: seed must be a non-negative safe integer, got 1.5",
    );
    expect(() => modelFromArchitecture(architecture({ type: "Dropout", p: 0.5, seed: -1 }))).toThrow(
      LayerError,
    );
    expect(() => modelFromArchitecture(architecture(dense(5n, 2)))).toThrow(
      'Dense config: "inFeatures" must be a number, got 5n',
    );
    expect(() => modelFromArchitecture(7n)).toThrow("expected an architecture object, got 7n");
  });

  it('keys "__proto__", "constructor", "prototype" are plain keys: never read as fields, never prototypes', () => {
    const before = prototypeSnapshot();
    const forged = JSON.parse(`{
      "__proto__": { "polluted": "yes" },
      "format": "backprop.architecture", "version": 1,
      "model": { "type": "Sequential", "constructor": { "prototype": { "polluted": "yes" } }, "layers": [
        { "type": "Dense", "inFeatures": 2, "outFeatures": 3, "__proto__": { "bias": false, "dtype": "float64" } },
        { "type": "Tanh", "prototype": { "polluted": "yes" } }
      ] }
    }`);
    const model = modelFromArchitecture(forged);
    expect(architectureOf(model).model).toEqual({
      type: "Sequential",
      layers: [
        { type: "Dense", inFeatures: 2, outFeatures: 3, bias: true, dtype: "float32" },
        { type: "Tanh" },
      ],
    });
    for (const type of ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"]) {
      expect(() => modelFromArchitecture(architecture({ type }))).toThrow(`unknown layer type "${type}"`);
    }
    expect(() =>
      modelFromArchitecture(JSON.parse('{"__proto__": {"format": "backprop.architecture"}}')),
    ).toThrow('"format" must be "backprop.architecture", got undefined');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expectPrototypesUnchanged(before);
  });
});
