import { describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import { decodeIdx, encodeIdx, type IdxArray, isGzip, parseIdx } from "./idx.js";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A 2×3 uint8 IDX file written byte by byte, as the MNIST page describes the format. */
const HAND_MADE = new Uint8Array([
  0x00,
  0x00,
  0x08,
  0x02, // magic: two zero bytes, type 0x08 (unsigned byte), 2 dimensions
  0x00,
  0x00,
  0x00,
  0x02, // dim 0 = 2 (big-endian)
  0x00,
  0x00,
  0x00,
  0x03, // dim 1 = 3
  0,
  1,
  2,
  253,
  254,
  255, // data
]);

function errorOf(f: () => unknown): DataError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error("expected a DataError");
}

describe("parseIdx", () => {
  it("reads hand-made uint8 bytes", () => {
    const idx = parseIdx(HAND_MADE);
    expect(idx.type).toBe("uint8");
    expect(idx.shape).toEqual([2, 3]);
    expect([...idx.data]).toEqual([0, 1, 2, 253, 254, 255]);
  });

  it("reads big-endian multi-byte elements", () => {
    const bytes = new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
    const idx = parseIdx(bytes);
    expect(idx.type).toBe("int16");
    expect([...idx.data]).toEqual([0x0102, -2]);
    const f64 = new Uint8Array([0, 0, 0x0e, 1, 0, 0, 0, 1, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
    expect([...parseIdx(f64).data]).toEqual([1.5]);
  });

  it("round-trips every element type through encodeIdx", () => {
    const arrays: IdxArray[] = [
      { type: "uint8", shape: [2, 2], data: Uint8Array.from([0, 7, 128, 255]) },
      { type: "int8", shape: [3], data: Int8Array.from([-128, 0, 127]) },
      { type: "int16", shape: [1, 3], data: Int16Array.from([-32768, 1, 32767]) },
      { type: "int32", shape: [2], data: Int32Array.from([-(2 ** 31), 2 ** 31 - 1]) },
      { type: "float32", shape: [2, 1, 1], data: Float32Array.from([0.1, -3.5]) },
      { type: "float64", shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
      { type: "uint8", shape: [0, 28, 28], data: new Uint8Array(0) },
    ];
    for (const array of arrays) {
      const back = parseIdx(encodeIdx(array));
      expect(back.type).toBe(array.type);
      expect(back.shape).toEqual(array.shape);
      expect(back.data).toEqual(array.data);
    }
    expect(encodeIdx(parseIdx(HAND_MADE))).toEqual(HAND_MADE);
  });

  it("refuses gzip bytes and names what to do", async () => {
    const error = errorOf(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0])));
    expect(error.message).toMatch(/gzip-compressed.*decodeIdx or readIdxFile/);
    expect(isGzip(await gzip(HAND_MADE))).toBe(true);
    expect(isGzip(HAND_MADE)).toBe(false);
  });

  const file = { file: "train-images-idx3-ubyte" };
  it.each([
    [
      "too short",
      new Uint8Array([0, 0, 8]),
      /train-images-idx3-ubyte, byte offset 0: expected a 4-byte magic number, got 3 bytes/,
    ],
    [
      "bad magic",
      new Uint8Array([0, 1, 8, 1, 0, 0, 0, 0]),
      /byte offset 0: expected magic 0x00 0x00, got 0x00 0x01/,
    ],
    [
      "unknown type",
      new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]),
      /byte offset 2: unknown type code 0x0a, expected one of 0x08 \(uint8\)/,
    ],
    ["zero dims", new Uint8Array([0, 0, 8, 0]), /byte offset 3: expected at least 1 dimension, got 0/],
    [
      "truncated header",
      new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0]),
      /byte offset 4: header of 3 dimensions needs 16 bytes, got 10/,
    ],
    [
      "short data",
      HAND_MADE.slice(0, -1),
      /byte offset 12: dims \[2,3\] × itemsize 1 need 6 data bytes after the 12-byte header, got 5/,
    ],
    ["long data", Uint8Array.from([...HAND_MADE, 0]), /need 6 data bytes after the 12-byte header, got 7/],
    [
      "itemsize",
      new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 1]),
      /dims \[2\] × itemsize 4 need 8 data bytes .*got 4/,
    ],
  ])("rejects %s with the file, offset and expected vs actual", (_name, bytes, message) => {
    const error = errorOf(() => parseIdx(bytes, file));
    expect(error.message).toMatch(/^parseIdx: train-images-idx3-ubyte, byte offset \d+: /);
    expect(error.message).toMatch(message);
    expect(error.file).toBe("train-images-idx3-ubyte");
    expect(error.offset).toBeTypeOf("number");
  });
});

describe("decodeIdx", () => {
  it("decodes raw and gzipped bytes alike", async () => {
    const raw = await decodeIdx(HAND_MADE);
    const zipped = await decodeIdx(await gzip(HAND_MADE));
    expect(zipped).toEqual(raw);
    expect(zipped.shape).toEqual([2, 3]);
  });

  it("reports corrupt gzip data as a DataError naming the file", async () => {
    const zipped = await gzip(HAND_MADE);
    const corrupt = zipped.slice(0, zipped.length - 6);
    await expect(decodeIdx(corrupt, { file: "x.gz" })).rejects.toThrow(DataError);
    await expect(decodeIdx(corrupt, { file: "x.gz" })).rejects.toThrow(
      /decodeIdx: x.gz: gzip decompression failed/,
    );
  });

  it("stops decompressing at maxBytes, so a small forged .gz cannot exhaust memory", async () => {
    const big = encodeIdx({ type: "uint8", shape: [1 << 20], data: new Uint8Array(1 << 20) });
    const zipped = await gzip(big);
    expect(zipped.length).toBeLessThan(1 << 12);
    expect((await decodeIdx(zipped)).data.length).toBe(1 << 20);
    await expect(decodeIdx(zipped, { file: "bomb.gz", maxBytes: 1 << 16 })).rejects.toThrow(
      new DataError(
        "decodeIdx",
        "gzip input decompresses to more than maxBytes = 65536 bytes; pass a larger maxBytes if the file is genuine",
        { file: "bomb.gz" },
      ),
    );
    await expect(decodeIdx(zipped, { maxBytes: 1.5 })).rejects.toThrow("maxBytes must be a positive integer");
  });

  it("validates the decompressed bytes", async () => {
    await expect(decodeIdx(await gzip(HAND_MADE.slice(0, -2)), { file: "y.gz" })).rejects.toThrow(
      /y.gz, byte offset 12: .*got 4/,
    );
  });
});

describe("encodeIdx", () => {
  it("rejects data that does not match its dims", () => {
    expect(() => encodeIdx({ type: "uint8", shape: [2, 2], data: new Uint8Array(3) })).toThrow(
      /dims \[2,2\] hold 4 elements, data has 3/,
    );
    expect(() => encodeIdx({ type: "uint8", shape: [], data: new Uint8Array(1) })).toThrow(DataError);
  });
});
