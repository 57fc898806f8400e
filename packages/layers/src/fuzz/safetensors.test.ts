/*
 * Fuzzing decodeSafetensors: valid files round-trip; mutated, truncated and forged files (random
 * headers, header lengths, shapes, offsets, prototype-named keys) are refused with SafetensorsErrors
 * only, allocate no more than the file's size, and leave the built-in prototypes alone.
 * `FUZZ_RUNS=10000 vitest run src/fuzz` (the `fuzz` script) for the long run.
 */
import { fromArray, type Tensor } from "@backprop/tensor";
import {
  countingBackend,
  expectPrototypesUnchanged,
  fuzzParameters,
  prototypeSnapshot,
} from "@backprop/test-kit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SafetensorsError } from "../errors.js";
import { decodeSafetensors, encodeSafetensors } from "../safetensors.js";
import { readOrLayerError } from "../test-kit.js";

const RUNS = fuzzParameters();

/** Names a forged header likes to use: prototype keys, integer-like keys, the reserved key. */
const trickyName = fc.constantFrom(
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "__metadata__",
  "0",
  "10",
  "0.weight",
  "",
);
const name = fc.oneof(trickyName, fc.string({ maxLength: 10 }), fc.string({ unit: "binary", maxLength: 6 }));

interface TensorSpec {
  name: string;
  dtype: "float32" | "float64";
  shape: number[];
  bytes: Uint8Array;
}

const tensorSpec: fc.Arbitrary<Omit<TensorSpec, "name">> = fc
  .record({
    dtype: fc.constantFrom("float32" as const, "float64" as const),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .chain(({ dtype, shape }) => {
    const length = shape.reduce((a, b) => a * b, 1) * (dtype === "float64" ? 8 : 4);
    return fc.uint8Array({ minLength: length, maxLength: length }).map((bytes) => ({ dtype, shape, bytes }));
  });

const tensorSpecs = fc.uniqueArray(
  fc.tuple(name, tensorSpec).map(([n, spec]): TensorSpec => ({ name: n, ...spec })),
  { maxLength: 5, selector: (spec) => spec.name },
);

/** Metadata as JSON.parse builds it: own properties, "__proto__" included. */
const metadata = fc
  .array(fc.tuple(fc.oneof(trickyName, fc.string({ maxLength: 6 })), fc.string({ maxLength: 8 })), {
    maxLength: 4,
  })
  .map((pairs) => Object.fromEntries(pairs) as Record<string, string>);

function tensorOf(spec: TensorSpec): Tensor {
  const copy = spec.bytes.slice();
  const data = spec.dtype === "float64" ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
  return fromArray(data, spec.shape);
}

function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

const validFile = fc
  .tuple(
    tensorSpecs.map((specs) => specs.filter((spec) => spec.name !== "__metadata__")),
    fc.option(metadata, { nil: undefined }),
  )
  .map(([specs, meta]) =>
    encodeSafetensors(
      specs.map((spec) => [spec.name, tensorOf(spec)] as const),
      { metadata: meta },
    ),
  );

/**
 * Decodes forged bytes: either a SafetensorsError, or tensors whose storage is no larger than the
 * file (so nothing is allocated that the file does not hold). The prototypes stay as they were.
 */
function decodeForged(bytes: Uint8Array): void {
  const before = prototypeSnapshot();
  const { backend, allocatedBytes } = countingBackend();
  const result = readOrLayerError(() => decodeSafetensors(bytes, { source: "fuzz.safetensors", backend }));
  if (result instanceof Error) {
    expect(result).toBeInstanceOf(SafetensorsError);
    expect(result.message.startsWith("fuzz.safetensors: ")).toBe(true);
    expect(allocatedBytes()).toBe(0);
  } else {
    expect(allocatedBytes()).toBeLessThanOrEqual(bytes.length);
    for (const value of Object.values(result.metadata)) expect(typeof value).toBe("string");
  }
  expectPrototypesUnchanged(before);
}

/** A u64 header length as the first 8 bytes of a file. */
function withHeaderLength(bytes: Uint8Array, length: bigint): Uint8Array {
  const out = bytes.slice();
  if (out.length >= 8) new DataView(out.buffer).setBigUint64(0, length, true);
  return out;
}

/** A forged u64 header length: anything, small (often just off the real one), or a petabyte. */
const forgedHeaderLength = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: 0n, max: 300n }),
  fc.constant(2n ** 50n),
);

/** Numbers a forged header puts in shapes and offsets: edges of the integer ranges, fractions, negatives. */
const forgedNumber = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.constantFrom(-1, 0.5, 1e308, 2 ** 30, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 2 ** 64, -(2 ** 53)),
);
const forgedValue = fc.oneof(
  forgedNumber,
  fc.constant(null),
  fc.string({ maxLength: 4 }),
  fc.array(forgedNumber, { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const forgedInfo = fc.oneof(
  fc.record({
    dtype: fc.oneof(
      fc.constantFrom("F32", "F64", "F16", "BF16", "I64", "BOOL", "F128", "f32", ""),
      forgedValue,
    ),
    shape: fc.oneof(fc.array(forgedNumber, { maxLength: 4 }), forgedValue),
    data_offsets: fc.oneof(fc.tuple(forgedNumber, forgedNumber), forgedValue),
  }),
  forgedValue,
);
/** A forged header as the JSON text a file would hold, prototype-named keys as own keys. */
const forgedHeaderText = fc
  .array(fc.tuple(name, forgedInfo), { maxLength: 4 })
  .map((entries) => JSON.stringify(Object.fromEntries(entries)));

/** The largest data_offsets end ≤ 4096 in a header's entries (0 if none). */
function largestSmallEnd(header: string): number {
  let end = 0;
  for (const info of Object.values(JSON.parse(header) as Record<string, unknown>)) {
    const offsets =
      typeof info === "object" && info !== null
        ? (info as { data_offsets?: unknown }).data_offsets
        : undefined;
    const candidate = Array.isArray(offsets) ? offsets[1] : undefined;
    if (Number.isSafeInteger(candidate) && candidate >= 0 && candidate <= 4096)
      end = Math.max(end, candidate);
  }
  return end;
}

describe("safetensors decoding fuzz", () => {
  it("round-trips random valid files bit for bit, prototype-named tensors and metadata included", () => {
    fc.assert(
      fc.property(tensorSpecs, metadata, (specs, meta) => {
        const valid = specs.filter((spec) => spec.name !== "__metadata__");
        const before = prototypeSnapshot();
        const bytes = encodeSafetensors(
          valid.map((spec) => [spec.name, tensorOf(spec)] as const),
          { metadata: meta },
        );
        const { tensors, metadata: decoded } = decodeSafetensors(bytes);
        expect(Object.entries(decoded)).toEqual(Object.entries(meta));
        expect([...tensors.keys()].sort()).toEqual(valid.map((spec) => spec.name).sort());
        for (const spec of valid) {
          const t = tensors.get(spec.name)!;
          expect([t.dtype, t.shape]).toEqual([spec.dtype, spec.shape]);
          expect(bytesOf(t)).toEqual(spec.bytes);
        }
        expectPrototypesUnchanged(before);
      }),
      RUNS,
    );
  });

  it("refuses mutated, truncated and extended files with SafetensorsErrors only", () => {
    const mutation = fc.record({
      /** Overwrites, mostly in the 8-byte length and the header, where they change the most. */
      writes: fc.array(fc.tuple(fc.nat({ max: 200 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      cut: fc.oneof(fc.constant(0), fc.nat({ max: 64 })),
      extra: fc.uint8Array({ maxLength: 16 }),
      headerLength: fc.option(forgedHeaderLength, { nil: undefined }),
    });
    fc.assert(
      fc.property(validFile, mutation, (file, { writes, cut, extra, headerLength }) => {
        let bytes = headerLength === undefined ? file.slice() : withHeaderLength(file, headerLength);
        for (const [at, value] of writes) if (at < bytes.length) bytes[at] = value;
        bytes = Uint8Array.from([...bytes.subarray(0, Math.max(0, bytes.length - cut)), ...extra]);
        decodeForged(bytes);
      }),
      RUNS,
    );
  });

  it("refuses forged headers (shapes of 2^60 elements, bad offsets, odd keys) with SafetensorsErrors only", () => {
    const file = fc.record({
      header: forgedHeaderText,
      prefix: fc.constantFrom("", "\uFEFF", " ", "\n"),
      /** Random bytes, or as many as the largest small end offset asks for (to get past the tiling checks). */
      data: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant("fit" as const)),
      headerLength: fc.option(forgedHeaderLength, { nil: undefined }),
    });
    fc.assert(
      fc.property(file, ({ header, prefix, data: section, headerLength }) => {
        const data = section === "fit" ? new Uint8Array(largestSmallEnd(header)) : section;
        const json = new TextEncoder().encode(prefix + header);
        const bytes = new Uint8Array(8 + json.length + data.length);
        new DataView(bytes.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
        bytes.set(json, 8);
        bytes.set(data, 8 + json.length);
        decodeForged(bytes);
      }),
      RUNS,
    );
  });

  it("refuses random bytes with SafetensorsErrors only", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => decodeForged(bytes)),
      RUNS,
    );
  });
});
