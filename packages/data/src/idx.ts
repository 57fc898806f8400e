import { DataError } from "./errors.js";

/** The element types of the IDX format, by their type code (the third magic byte). */
export type IdxDataType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed array an IDX file's elements decode to, one per IDX element type. */
export type IdxTypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: its element type, its dimensions and the elements, row-major. */
export interface IdxArray {
  type: IdxDataType;
  shape: number[];
  data: IdxTypedArray;
}

/** Options of the IDX decoder: the name used in errors and the most bytes gzipped input may decompress to. */
export interface IdxReadOptions {
  /** Names the input in error messages. */
  file?: string;
  /**
   * The most bytes gzipped input may decompress to (default `DEFAULT_MAX_IDX_BYTES`, 1 GiB: twenty
   * times MNIST's training images), so a small forged .gz cannot exhaust memory.
   */
  maxBytes?: number;
}

/** The default bound on decompressed IDX bytes: 1 GiB. */
export const DEFAULT_MAX_IDX_BYTES = 2 ** 30;

/** `options.maxBytes` checked, or the default. */
export function maxIdxBytes(op: string, options: IdxReadOptions): number {
  const max = options.maxBytes ?? DEFAULT_MAX_IDX_BYTES;
  if (!Number.isSafeInteger(max) || max < 1)
    throw new DataError(op, `maxBytes must be a positive integer, got ${max}`);
  return max;
}

/** The error for gzipped input that decompresses to more than `max` bytes. */
export function tooLargeError(op: string, max: number, location: { file?: string }): DataError {
  return new DataError(
    op,
    `gzip input decompresses to more than maxBytes = ${max} bytes; pass a larger maxBytes if the file is genuine`,
    location,
  );
}

interface IdxTypeInfo {
  code: number;
  type: IdxDataType;
  itemSize: number;
}

const IDX_TYPES: readonly IdxTypeInfo[] = [
  { code: 0x08, type: "uint8", itemSize: 1 },
  { code: 0x09, type: "int8", itemSize: 1 },
  { code: 0x0b, type: "int16", itemSize: 2 },
  { code: 0x0c, type: "int32", itemSize: 4 },
  { code: 0x0d, type: "float32", itemSize: 4 },
  { code: 0x0e, type: "float64", itemSize: 8 },
];

const hex = (byte: number): string => `0x${byte.toString(16).padStart(2, "0")}`;

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function allocate(type: IdxDataType, length: number): IdxTypedArray {
  switch (type) {
    case "uint8":
      return new Uint8Array(length);
    case "int8":
      return new Int8Array(length);
    case "int16":
      return new Int16Array(length);
    case "int32":
      return new Int32Array(length);
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
  }
}

/**
 * Decodes uncompressed IDX bytes (the MNIST format): magic `00 00 type ndims`, ndims big-endian
 * uint32 dimensions, then the elements big-endian. Checks the magic, the type code, that the header
 * fits and that the data length equals (product of dims) × itemsize; errors name the file, the byte
 * offset and expected vs actual. Gzipped bytes are refused: decompress them first (`decodeIdx`
 * does, with `DecompressionStream`; `readIdxFile` in `@backprop/data/node` does, with zlib).
 */
export function parseIdx(bytes: Uint8Array, options: IdxReadOptions = {}): IdxArray {
  const op = "parseIdx";
  const at = (offset: number) => (options.file === undefined ? { offset } : { file: options.file, offset });
  if (isGzip(bytes)) {
    throw new DataError(
      op,
      "input is gzip-compressed (starts with 1f 8b); decompress it first (decodeIdx or readIdxFile do)",
      at(0),
    );
  }
  if (bytes.length < 4)
    throw new DataError(op, `expected a 4-byte magic number, got ${bytes.length} bytes`, at(0));
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(op, `expected magic 0x00 0x00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}`, at(0));
  }
  const info = IDX_TYPES.find((t) => t.code === bytes[2]);
  if (info === undefined) {
    const known = IDX_TYPES.map((t) => `${hex(t.code)} (${t.type})`).join(", ");
    throw new DataError(op, `unknown type code ${hex(bytes[2]!)}, expected one of ${known}`, at(2));
  }
  const ndims = bytes[3]!;
  if (ndims === 0) throw new DataError(op, "expected at least 1 dimension, got 0", at(3));
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new DataError(
      op,
      `header of ${ndims} dimensions needs ${headerLength} bytes, got ${bytes.length}`,
      at(4),
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const dim = view.getUint32(4 + 4 * i, false);
    shape.push(dim);
    count *= dim;
  }
  const expected = count * info.itemSize;
  const actual = bytes.length - headerLength;
  if (expected !== actual) {
    throw new DataError(
      op,
      `dims [${shape.join(",")}] × itemsize ${info.itemSize} need ${expected} data bytes after the ${headerLength}-byte header, got ${actual}`,
      at(headerLength),
    );
  }
  const data = allocate(info.type, count);
  if (info.type === "uint8") {
    data.set(bytes.subarray(headerLength));
  } else if (info.type === "int8") {
    data.set(new Int8Array(bytes.buffer, bytes.byteOffset + headerLength, count));
  } else {
    const read = {
      int16: (o: number) => view.getInt16(o, false),
      int32: (o: number) => view.getInt32(o, false),
      float32: (o: number) => view.getFloat32(o, false),
      float64: (o: number) => view.getFloat64(o, false),
    }[info.type];
    for (let i = 0; i < count; i++) data[i] = read(headerLength + i * info.itemSize);
  }
  return { type: info.type, shape, data };
}

/**
 * Decodes IDX bytes, raw or gzipped (detected by the 1f 8b magic). Gzip is undone with the web
 * platform's `DecompressionStream` (browsers, Node ≥ 18, Deno, Bun); where it is missing, pass
 * already-decompressed bytes or use `readIdxFile` from `@backprop/data/node`.
 */
export async function decodeIdx(bytes: Uint8Array, options: IdxReadOptions = {}): Promise<IdxArray> {
  if (!isGzip(bytes)) return parseIdx(bytes, options);
  const location = options.file === undefined ? {} : { file: options.file };
  if (typeof DecompressionStream === "undefined") {
    throw new DataError(
      "decodeIdx",
      "input is gzip-compressed and this runtime has no DecompressionStream: pass decompressed bytes",
      location,
    );
  }
  const max = maxIdxBytes("decodeIdx", options);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream("gzip"))
      .getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      total += chunk.value.length;
      if (total > max) {
        await reader.cancel();
        throw tooLargeError("decodeIdx", max, location);
      }
      chunks.push(chunk.value);
    }
  } catch (cause) {
    if (cause instanceof DataError) throw cause;
    throw new DataError("decodeIdx", `gzip decompression failed: ${String(cause)}`, location, { cause });
  }
  const raw = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    raw.set(chunk, offset);
    offset += chunk.length;
  }
  return parseIdx(raw, options);
}

/** Encodes an array as raw (uncompressed) IDX bytes; `parseIdx(encodeIdx(a))` gives `a` back. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const op = "encodeIdx";
  const info = IDX_TYPES.find((t) => t.type === array.type);
  if (info === undefined) throw new DataError(op, `unknown IDX type ${JSON.stringify(array.type)}`);
  const { shape, data } = array;
  if (shape.length < 1 || shape.length > 255)
    throw new DataError(op, `expected 1 to 255 dimensions, got ${shape.length}`);
  let count = 1;
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0 || dim > 0xffffffff) {
      throw new DataError(op, `dimension ${dim} of [${shape.join(",")}] is not a uint32`);
    }
    count *= dim;
  }
  if (count !== data.length)
    throw new DataError(op, `dims [${shape.join(",")}] hold ${count} elements, data has ${data.length}`);
  const headerLength = 4 + 4 * shape.length;
  const bytes = new Uint8Array(headerLength + count * info.itemSize);
  const view = new DataView(bytes.buffer);
  bytes[2] = info.code;
  bytes[3] = shape.length;
  shape.forEach((dim, i) => {
    view.setUint32(4 + 4 * i, dim, false);
  });
  const write = {
    uint8: (o: number, v: number) => view.setUint8(o, v),
    int8: (o: number, v: number) => view.setInt8(o, v),
    int16: (o: number, v: number) => view.setInt16(o, v, false),
    int32: (o: number, v: number) => view.setInt32(o, v, false),
    float32: (o: number, v: number) => view.setFloat32(o, v, false),
    float64: (o: number, v: number) => view.setFloat64(o, v, false),
  }[info.type];
  for (let i = 0; i < count; i++) write(headerLength + i * info.itemSize, data[i]!);
  return bytes;
}
