import { readFileSync } from "node:fs";
import { jsBackend, Rng, type Tensor } from "@backprop/tensor";
import {
  countingBackend,
  expectPrototypesUnchanged,
  onBackend,
  projectBackend,
  prototypeSnapshot,
} from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  Dense,
  decodeSafetensors,
  encodeSafetensors,
  encodeWeights,
  loadModelFromBytes,
  loadWeights,
  mlp,
  SAFETENSORS_MAX_HEADER_LENGTH,
  SafetensorsError,
  Sequential,
  saveModelToBytes,
} from "./index.js";
import { fixturePath, readFixture } from "./test-kit.js";

const backend = await projectBackend();
const { fromArray, randomNormal, tensor } = onBackend(backend);

/** A copy of the tensor's bytes (on the wasm backend a view dies when the memory grows). */
function bytesOf(t: Tensor): Uint8Array {
  const values = t.read();
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** A file with a raw header (object → JSON, or a string as is) and data section. */
function craft(header: unknown, data = new Uint8Array(0), headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function decodeError(bytes: Uint8Array): SafetensorsError {
  try {
    decodeSafetensors(bytes, { source: "weights.safetensors" });
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsError);
    return error as SafetensorsError;
  }
  throw new Error("decoding succeeded");
}

describe("safetensors encode/decode", () => {
  it("round-trips bit for bit, NaN payloads, −0, subnormals and infinities included", () => {
    // On the JS backend, whose tensors wrap these arrays: NaN payloads survive only bit copies.
    const f32Values = new Float32Array([0, -0, 1e-45, Number.POSITIVE_INFINITY, -3.5, Number.NaN]);
    new Uint32Array(f32Values.buffer)[5] = 0x7fa00001; // a signalling NaN with a payload
    const f32 = fromArray(f32Values, [2, 3], { backend: jsBackend });
    const f64Values = randomNormal([4, 3, 2], new Rng(1), { dtype: "float64" }).read();
    new Uint32Array(f64Values.buffer)[1] = 0x7ff00000;
    new Uint32Array(f64Values.buffer)[0] = 0x12345; // NaN with a payload
    const f64 = fromArray(f64Values, [4, 3, 2], { backend: jsBackend });
    const scalar = tensor(2.5, { dtype: "float64" });
    const empty = fromArray(new Float64Array(0), [0, 4]);
    const bytes = encodeSafetensors(
      { f32, f64, scalar, empty },
      { metadata: { note: "ünïcödé", step: "3" } },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ note: "ünïcödé", step: "3" });
    expect([...tensors.keys()]).toEqual(["f32", "f64", "scalar", "empty"]);
    for (const [name, original] of Object.entries({ f32, f64, scalar, empty })) {
      const decoded = tensors.get(name)!;
      expect(decoded.dtype).toBe(original.dtype);
      expect(decoded.shape).toEqual(original.shape);
      expect(bytesOf(decoded)).toEqual(bytesOf(original));
    }
  });

  it("reads the file PyTorch's generator wrote, with the right values", () => {
    const fx = readFixture<{
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
    }>("torch-tensors.json");
    const { tensors, metadata } = decodeSafetensors(
      new Uint8Array(readFileSync(fixturePath("torch-tensors.safetensors"))),
    );
    expect(metadata).toEqual(fx.metadata);
    expect([...tensors.keys()].sort()).toEqual(Object.keys(fx.tensors).sort());
    for (const [name, expected] of Object.entries(fx.tensors)) {
      const t = tensors.get(name)!;
      expect(t.dtype, name).toBe(expected.dtype === "F32" ? "float32" : "float64");
      expect(t.shape, name).toEqual(expected.shape);
      expected.values.forEach((v, i) => {
        expect(Object.is(t.read()[i], Number(v)), `${name}[${i}]`).toBe(true);
      });
    }
  });

  it("writes the same bytes as the Python generator for the same tensors", () => {
    const original = new Uint8Array(readFileSync(fixturePath("torch-tensors.safetensors")));
    const { tensors, metadata } = decodeSafetensors(original);
    expect(encodeSafetensors(tensors, { metadata })).toEqual(original);
  });

  it("refuses to encode reserved or duplicate names", () => {
    const t = tensor([1]);
    expect(() => encodeSafetensors({ __metadata__: t })).toThrow('"__metadata__" is reserved');
    expect(() =>
      encodeSafetensors([
        ["a", t],
        ["a", t],
      ]),
    ).toThrow('tensor "a": two tensors have this name');
  });
});

describe("safetensors validation: clear errors naming the file, the tensor, expected vs. actual", () => {
  const f64 = (shape: number[], begin: number, end: number) => ({
    dtype: "F64",
    shape,
    data_offsets: [begin, end],
  });
  const cases: [string, () => Uint8Array, string, string][] = [
    [
      "a file shorter than 8 bytes",
      () => new Uint8Array(5),
      "HeaderTooSmall",
      "weights.safetensors: 5 bytes is too short",
    ],
    [
      "an absurd header length (refused before anything is allocated)",
      () => craft("{}", new Uint8Array(0), 2 ** 40),
      "HeaderTooLarge",
      `header length 1099511627776 exceeds the limit of ${SAFETENSORS_MAX_HEADER_LENGTH} bytes`,
    ],
    [
      "a header length past the end",
      () => craft("{}", new Uint8Array(0), 64),
      "InvalidHeaderLength",
      "header length 64 runs past the end of the data (10 bytes in all, expected at least 72)",
    ],
    [
      "a header that is not UTF-8",
      () => {
        const bytes = craft("{ }");
        bytes[9] = 0xff;
        return bytes;
      },
      "InvalidHeader",
      "the header is not valid UTF-8",
    ],
    [
      "a header not starting with {",
      () => craft("[1,2]"),
      "InvalidHeaderStart",
      'the header must start with "{", got "[1,2]"',
    ],
    ["a header that is not JSON", () => craft('{"a": '), "InvalidHeader", "the header is not valid JSON"],
    [
      "a duplicate tensor",
      () =>
        craft(
          `{"w":${JSON.stringify(f64([1], 0, 8))}, "w" :${JSON.stringify(f64([1], 8, 16))}}`,
          new Uint8Array(16),
        ),
      "DuplicateKey",
      'tensor "w": the header lists "w" more than once',
    ],
    [
      "an unknown dtype",
      () => craft({ w: { dtype: "F128", shape: [1], data_offsets: [0, 16] } }, new Uint8Array(16)),
      "UnknownDtype",
      'tensor "w": unknown dtype "F128"',
    ],
    [
      "a dtype we cannot hold",
      () => craft({ w: { dtype: "BF16", shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)),
      "UnsupportedDtype",
      "dtype BF16 is valid safetensors, but only F32 and F64",
    ],
    [
      "a negative dimension",
      () => craft({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      "InvalidShape",
      "shape must be an array of non-negative integers, got [-1]",
    ],
    [
      "offsets that are not a pair",
      () => craft({ w: { dtype: "F32", shape: [1], data_offsets: [0] } }, new Uint8Array(4)),
      "InvalidOffset",
      "data_offsets must be [begin, end]",
    ],
    [
      "a shape that does not match its span",
      () => craft({ w: f64([2, 3], 0, 40) }, new Uint8Array(40)),
      "TensorInvalidInfo",
      'tensor "w": shape [2,3] of F64 needs 48 bytes, but data_offsets [0, 40] span 40',
    ],
    [
      "a hole between tensors",
      () => craft({ a: f64([1], 0, 8), b: f64([1], 16, 24) }, new Uint8Array(24)),
      "InvalidOffset",
      'tensor "b": data_offsets [16, 24] leaves a hole: expected it to begin at byte 8',
    ],
    [
      "overlapping tensors",
      () => craft({ a: f64([2], 0, 16), b: f64([1], 8, 16) }, new Uint8Array(16)),
      "InvalidOffset",
      'overlaps tensor "a"',
    ],
    [
      "a truncated data section",
      () => craft({ a: f64([4], 0, 32) }, new Uint8Array(20)),
      "MetadataIncompleteBuffer",
      "the tensors cover 32 bytes, but the data section after the header holds 20 bytes",
    ],
    [
      "trailing bytes",
      () => craft({ a: f64([1], 0, 8) }, new Uint8Array(12)),
      "MetadataIncompleteBuffer",
      "cover 8 bytes, but the data section after the header holds 12",
    ],
    [
      "metadata that is not strings",
      () => craft({ __metadata__: { step: 3 } }),
      "InvalidHeader",
      '"__metadata__" value of "step" must be a string, got 3',
    ],
  ];
  for (const [what, make, code, message] of cases) {
    it(`rejects ${what}`, () => {
      const error = decodeError(make());
      expect(error.code).toBe(code);
      expect(error.file).toBe("weights.safetensors");
      expect(error.message).toContain(message);
      expect(error.message.startsWith("weights.safetensors: ")).toBe(true);
    });
  }

  it("rejects a real file cut short", () => {
    const bytes = encodeWeights(mlp({ backend, sizes: [3, 4, 2] }));
    expect(decodeError(bytes.subarray(0, bytes.length - 3)).code).toBe("MetadataIncompleteBuffer");
    expect(decodeError(bytes.subarray(0, 20)).code).toBe("InvalidHeaderLength");
  });
});

describe("safetensors hardening: forged files are refused before anything is allocated", () => {
  /** Decodes through a counting backend: the error, and how many bytes of tensors were allocated. */
  function refuse(bytes: Uint8Array): { error: SafetensorsError; allocated: number } {
    const { backend, allocatedBytes } = countingBackend();
    try {
      decodeSafetensors(bytes, { source: "forged.safetensors", backend });
    } catch (error) {
      expect(error).toBeInstanceOf(SafetensorsError);
      return { error: error as SafetensorsError, allocated: allocatedBytes() };
    }
    throw new Error("decoding succeeded");
  }

  it("a header length of a petabyte, or of the 64-bit maximum", () => {
    for (const length of [2 ** 50, SAFETENSORS_MAX_HEADER_LENGTH + 1]) {
      const { error, allocated } = refuse(craft("{}", new Uint8Array(0), length));
      expect([error.code, allocated]).toEqual(["HeaderTooLarge", 0]);
      expect(error.message).toContain(`header length ${length} exceeds the limit`);
    }
    const max = craft("{}");
    new DataView(max.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expect(refuse(max).error.message).toContain("header length 18446744073709552000 exceeds the limit");
  });

  it("a shape of 2^60 elements, whether its offsets agree or not", () => {
    const huge = (shape: number[], end: number) => ({ w: { dtype: "F32", shape, data_offsets: [0, end] } });
    const mismatched = refuse(craft(huge([2 ** 30, 2 ** 30], 8), new Uint8Array(8)));
    expect([mismatched.error.code, mismatched.allocated]).toEqual(["ValidationOverflow", 0]);
    expect(mismatched.error.message).toContain(
      'tensor "w": shape [1073741824,1073741824] of F32 needs more bytes than can be counted (2^53)',
    );
    // 2^40 elements whose 2^42-byte span is a valid integer: refused because the file does not hold them.
    const consistent = refuse(craft(huge([2 ** 20, 2 ** 20], 2 ** 42), new Uint8Array(8)));
    expect([consistent.error.code, consistent.allocated]).toEqual(["MetadataIncompleteBuffer", 0]);
    expect(consistent.error.message).toContain("the tensors cover 4398046511104 bytes, but the data section");
    // Overflowing before a 0 is still an overflow (as in the reference), not an empty tensor.
    const overflowing = refuse(craft(huge([2 ** 53 - 1, 2 ** 53 - 1, 0], 0)));
    expect([overflowing.error.code, overflowing.allocated]).toEqual(["ValidationOverflow", 0]);
    const empty = decodeSafetensors(craft(huge([0, 2 ** 53 - 1, 2 ** 53 - 1], 0))).tensors.get("w")!;
    expect([empty.shape, empty.size]).toEqual([[0, 2 ** 53 - 1, 2 ** 53 - 1], 0]);
  });

  it("shapes and offsets nested 100,000 deep (too deep for JSON.stringify to quote)", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const shape = refuse(craft(`{"w":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`)).error;
    expect(shape.code).toBe("InvalidShape");
    expect(shape.message).toContain("got (an array that cannot be written as JSON)");
    const offsets = refuse(craft(`{"w":{"dtype":"F32","shape":[0],"data_offsets":${deep}}}`)).error;
    expect(offsets.code).toBe("InvalidOffset");
  });

  it("quotes long values in errors in part", () => {
    const long = refuse(
      craft({ w: { dtype: "F32", shape: new Array(10_000).fill(-1), data_offsets: [0, 0] } }),
    );
    expect(long.error.message).toMatch(/got \[-1,-1,[-1,]*… \(30001 characters\)$/);
  });

  it("a byte-order mark before the header (the reference refuses it: the header must start with {)", () => {
    const { error } = refuse(craft("\uFEFF{}"));
    expect(error.code).toBe("InvalidHeaderStart");
  });

  it('keys "__proto__", "constructor", "prototype" are plain names: tensors, metadata, never prototypes', () => {
    const before = prototypeSnapshot();
    const names = ["__proto__", "constructor", "prototype"];
    const bytes = encodeSafetensors(
      names.map((n, i) => [n, tensor([i], { dtype: "float64" })] as const),
      { metadata: JSON.parse('{"__proto__": "m", "constructor": "c"}') },
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect([...tensors.keys()]).toEqual(names);
    expect(names.map((n) => tensors.get(n)!.read()[0])).toEqual([0, 1, 2]);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.entries(metadata)).toEqual([
      ["__proto__", "m"],
      ["constructor", "c"],
    ]);
    const polluting = refuse(
      craft(
        '{"__proto__": {"polluted": "yes", "dtype": "F32", "shape": [0], "data_offsets": [0, 0]}, "a": {"polluted": 1}}',
      ),
    );
    expect(polluting.error.code).toBe("UnknownDtype");
    expect(polluting.error.message).toContain('tensor "a": the entry has no dtype');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expectPrototypesUnchanged(before);
  });

  it('an entry with a "__proto__" key is refused as such (not as an unknown dtype)', () => {
    const entry = '{"__proto__": {"dtype": "F32"}, "shape": [1], "data_offsets": [0, 4]}';
    const withDtype = '{"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "__proto__": {}}';
    for (const header of [`{"w": ${entry}}`, `{"w": ${withDtype}}`]) {
      const { error } = refuse(craft(header, new Uint8Array(4)));
      expect(error.code).toBe("TensorInvalidInfo");
      expect(error.message).toContain(
        'tensor "w": the entry has a "__proto__" key, which is not a safetensors field',
      );
    }
  });
});

describe("model weights", () => {
  it("saveModelToBytes / loadModelFromBytes rebuild the exact model, bitwise", () => {
    const model = mlp({
      backend,
      sizes: [5, 7, 3],
      activation: "gelu",
      outputActivation: "logSoftmax",
      dropout: 0.3,
      seed: 42,
    });
    const saved = saveModelToBytes(model, { epoch: "3" });
    const loaded = loadModelFromBytes(
      {
        architecture: JSON.parse(JSON.stringify(saved.architecture)),
        weights: saved.weights,
      },
      { backend },
    );
    expect(loaded.toConfig()).toEqual(model.toConfig());
    const a = model.parameters();
    const b = loaded.parameters();
    expect(b.map((p) => p.name)).toEqual(a.map((p) => p.name));
    a.forEach((p, i) => {
      expect(bytesOf(b[i]!.value)).toEqual(bytesOf(p.value));
    });
    const x = randomNormal([2, 5], new Rng(1));
    model.train(false);
    loaded.train(false);
    expect(bytesOf(loaded.forward(x))).toEqual(bytesOf(model.forward(x)));
    expect(decodeSafetensors(saved.weights).metadata).toEqual({ epoch: "3" });
  });

  it("loadWeights is strict: missing, mismatched and unexpected tensors name the tensor and the file", () => {
    const model = new Sequential([new Dense(2, 3, { backend, dtype: "float64" })]);
    const good = decodeSafetensors(encodeWeights(model)).tensors;
    const without = new Map(good);
    without.delete("0.bias");
    expect(() => loadWeights(model, without, "w.safetensors")).toThrow(
      'w.safetensors: tensor "0.bias": missing: the model expects float64 [3]',
    );
    const wrongShape = new Map(good).set(
      "0.weight",
      tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: "float64" },
      ),
    );
    expect(() => loadWeights(model, wrongShape, "w.safetensors")).toThrow(
      'tensor "0.weight": the model expects float64 [3,2], the weights hold float64 [2,3]',
    );
    const wrongDtype = new Map(good).set("0.bias", tensor([1, 2, 3]));
    expect(() => loadWeights(model, wrongDtype)).toThrow(
      "the model expects float64 [3], the weights hold float32 [3]",
    );
    const extra = new Map(good).set("1.weight", tensor([1]));
    expect(() => loadWeights(model, extra)).toThrow(
      'tensor "1.weight": unexpected: the model has no parameter of this name',
    );
  });
});
