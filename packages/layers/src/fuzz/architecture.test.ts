/*
 * Fuzzing modelFromArchitecture and loadModelFromBytes: valid architectures round-trip; forged and
 * mutated ones (wrong types, sizes of 2^60, fractions, prototype-named keys) are refused with
 * LayerErrors only, allocate within their limits, and leave the built-in prototypes alone. (Nesting
 * thousands deep and values JSON.stringify cannot print are tested in architecture.test.ts.)
 * `FUZZ_RUNS=10000 vitest run src/fuzz` (the `fuzz` script) for the long run.
 */

import {
  countingBackend,
  expectPrototypesUnchanged,
  fuzzParameters,
  prototypeSnapshot,
} from "@backprop/test-kit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Architecture, architectureOf, modelFromArchitecture } from "../architecture.js";
import type { LayerConfig } from "../layer.js";
import { encodeWeights, loadModelFromBytes, saveModelToBytes } from "../serialize.js";
import { readOrLayerError } from "../test-kit.js";

const RUNS = fuzzParameters();

/**
 * The parameter limit of the direct builds here (the default, 2^28, is tested in architecture.test.ts;
 * fuzzing just under it would allocate gigabytes).
 */
const MAX_PARAMETERS = 10_000;

const size = fc.integer({ min: 1, max: 8 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 });

/** Configs of every built-in layer type with valid options, Sequentials nested up to 3 deep. */
const validLayer: fc.Arbitrary<LayerConfig> = fc.letrec<{ layer: LayerConfig }>((tie) => ({
  layer: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      type: fc.constant("Dense"),
      inFeatures: size,
      outFeatures: size,
      bias: fc.boolean(),
      dtype: fc.constantFrom("float32", "float64"),
    }),
    fc
      .constantFrom("Identity", "Sigmoid", "Tanh", "ReLU", "SiLU", "Softmax", "LogSoftmax")
      .map((type) => ({ type })),
    fc.record({ type: fc.constant("LeakyReLU"), slope: finite }),
    fc.record({ type: fc.constant("ELU"), alpha: finite }),
    fc.record({ type: fc.constant("GELU"), approximate: fc.constantFrom("none", "tanh") }),
    fc.record({
      type: fc.constant("Softplus"),
      beta: fc.double({ noNaN: true, min: 0.1, max: 5 }),
      threshold: finite,
    }),
    fc.record({
      type: fc.constant("Dropout"),
      p: fc.double({ noNaN: true, min: 0, max: 1 }),
      seed: fc.nat(),
    }),
    fc.record({ type: fc.constant("Sequential"), layers: fc.array(tie("layer"), { maxLength: 3 }) }),
  ),
})).layer;

const architectureFor = (model: unknown) => ({ format: "backprop.architecture", version: 1, model });

/** Keys a forged config adds: prototype names and the fields of the layer types. */
const trickyKey = fc.constantFrom(
  "__proto__",
  "constructor",
  "prototype",
  "type",
  "layers",
  "inFeatures",
  "outFeatures",
  "bias",
  "dtype",
  "p",
  "seed",
  "slope",
  "beta",
  "threshold",
  "approximate",
);
/** Values a forged config holds: sizes of 2^30 and more, fractions, negatives, wrong types. */
const forgedValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      -1,
      0,
      0.5,
      1.5,
      1e308,
      2 ** 26,
      2 ** 30,
      2 ** 31,
      2 ** 53 - 1,
      2 ** 53,
      2 ** 60,
    ),
  },
  { weight: 2, arbitrary: fc.integer({ min: -2, max: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>("4", "float16", "Dense", "__proto__", true, false, null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/**
 * A valid config with one field given a forged value (so each field's check is reached), plus
 * sometimes a tricky key, added as own keys ("__proto__" a key, as JSON.parse makes it).
 */
function forge(config: unknown, field: number, value: unknown, extra?: [string, unknown]): unknown {
  if (typeof config !== "object" || config === null || Array.isArray(config)) return config;
  const fields = Object.keys(config).filter((key) => key !== "type");
  const edits = fields.length === 0 ? [] : [[fields[field % fields.length]!, value]];
  return Object.fromEntries([...Object.entries(config), ...edits, ...(extra === undefined ? [] : [extra])]);
}

const trickyField = fc.option(fc.tuple(trickyKey, forgedValue), { nil: undefined, freq: 3 });

const forgedLayer: fc.Arbitrary<unknown> = fc.letrec<{ layer: unknown }>((tie) => ({
  layer: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    {
      weight: 6,
      arbitrary: fc
        .tuple(validLayer, fc.nat(), forgedValue, trickyField)
        .map(([config, field, value, extra]) => forge(config, field, value, extra)),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant("Sequential"),
        layers: fc.oneof(fc.array(tie("layer"), { maxLength: 3 }), forgedValue),
      }),
    },
    { weight: 1, arbitrary: fc.dictionary(trickyKey, forgedValue, { maxKeys: 4 }) },
    { weight: 1, arbitrary: forgedValue },
  ),
})).layer;

/** A forged model in an architecture that is itself sometimes forged, as JSON.parse returns it. */
const forgedArchitecture = fc
  .tuple(
    forgedLayer,
    fc.option(fc.tuple(fc.constantFrom("__proto__", "constructor", "format", "version"), forgedValue), {
      nil: undefined,
    }),
  )
  .map(([model, change]) => {
    const fields = Object.entries(architectureFor(model));
    return JSON.parse(
      JSON.stringify(Object.fromEntries(change === undefined ? fields : [...fields, change])),
    );
  }) as fc.Arbitrary<unknown>;

/**
 * Builds a forged architecture (and loads weights into it when given): either a LayerError or a
 * model, never another error; the prototypes stay as they were. Allocation stays within the limit:
 * each parameter is a value and a grad of at most 8 bytes each, and a load first decodes the
 * weights (at most their size) and then builds no more parameters than they hold values (≥ 4 bytes).
 */
function buildForged(architecture: unknown, weights?: Uint8Array): void {
  const before = prototypeSnapshot();
  const { backend, allocatedBytes } = countingBackend();
  readOrLayerError(() =>
    weights === undefined
      ? modelFromArchitecture(architecture, { backend, source: "fuzz.json", maxParameters: MAX_PARAMETERS })
      : loadModelFromBytes({ architecture, weights }, { backend, source: "fuzz.json" }),
  );
  expect(allocatedBytes()).toBeLessThanOrEqual(
    weights === undefined ? 16 * MAX_PARAMETERS : weights.length + 4 * weights.length,
  );
  expectPrototypesUnchanged(before);
}

describe("architecture JSON fuzz", () => {
  it("round-trips random valid architectures, and saved models bit for bit", () => {
    fc.assert(
      fc.property(validLayer, (config) => {
        const model = modelFromArchitecture(architectureFor(config));
        const json = JSON.parse(JSON.stringify(architectureOf(model))) as Architecture;
        expect(architectureOf(modelFromArchitecture(json))).toEqual(json);
        const saved = saveModelToBytes(model);
        const loaded = loadModelFromBytes({ architecture: json, weights: saved.weights });
        const bytes = (m: typeof model) =>
          m
            .parameters()
            .map(({ value: { data } }) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        expect(bytes(loaded)).toEqual(bytes(model));
      }),
      RUNS,
    );
  });

  it("refuses forged architectures with LayerErrors only", () => {
    fc.assert(
      fc.property(forgedArchitecture, (architecture) => buildForged(architecture)),
      RUNS,
    );
  });

  it("loadModelFromBytes refuses forged architectures and weights that do not fit with LayerErrors only", () => {
    const weights = fc.tuple(validLayer, fc.nat({ max: 4 })).map(([config, cut]) => {
      const bytes = encodeWeights(modelFromArchitecture(architectureFor(config)));
      return bytes.subarray(0, bytes.length - cut);
    });
    fc.assert(
      fc.property(
        fc.oneof(forgedArchitecture, validLayer.map(architectureFor)),
        weights,
        (architecture, bytes) => buildForged(architecture, bytes),
      ),
      RUNS,
    );
  });

  it("refuses architectures whose JSON text was mutated with LayerErrors only", () => {
    const edit = fc.tuple(
      fc.nat(),
      fc.nat({ max: 3 }),
      fc.constantFrom(
        "",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        '"',
        "0",
        "9",
        "-",
        "e99",
        "null",
        '"__proto__":',
        '{"type":',
      ),
    );
    fc.assert(
      fc.property(validLayer, fc.array(edit, { minLength: 1, maxLength: 4 }), (config, edits) => {
        let text = JSON.stringify(architectureFor(config));
        for (const [at, remove, insert] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + remove);
        }
        let architecture: unknown;
        try {
          architecture = JSON.parse(text);
        } catch {
          return; // not JSON: readArchitectureFile's "not valid JSON" error, before this reader runs
        }
        buildForged(architecture);
      }),
      RUNS,
    );
  });
});
