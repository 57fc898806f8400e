import {
  allocateArray,
  type Backend,
  type DType,
  formatShape,
  fromArray,
  type Tensor,
} from "@backprop/tensor";
import { preview, SafetensorsError, type SafetensorsErrorCode } from "./errors.js";

/*
 * safetensors (https://github.com/huggingface/safetensors), on bytes, so it runs in browsers too:
 *   [8 bytes: N, little-endian u64][N bytes: UTF-8 JSON header, padded with spaces][tensor bytes]
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative
 * to the start of the tensor bytes) plus an optional "__metadata__": {string: string}. Decoding
 * applies the reference implementation's checks: the header length is bounded before anything is
 * read, the header is UTF-8 JSON starting with "{", dtypes are known, every tensor's byte span
 * equals its element count × item size, and the spans tile the data section exactly (no holes, no
 * overlaps, nothing left over). Duplicate keys are refused as well.
 */

/** The reference implementation's bound on the header length (100 MB). */
export const SAFETENSORS_MAX_HEADER_LENGTH = 100_000_000;

/** Every dtype the safetensors format defines; of these, F32 and F64 can be read into tensors. */
const KNOWN_DTYPES = new Set([
  "BOOL",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "F64",
  "I64",
  "U64",
  "C64",
  "F4",
  "F6_E2M3",
  "F6_E3M2",
]);

const TO_DTYPE = { F32: "float32", F64: "float64" } as const satisfies Record<string, DType>;
const FROM_DTYPE = { float32: "F32", float64: "F64" } as const satisfies Record<DType, string>;
const ITEM_SIZE = { F32: 4, F64: 8 } as const;

/** A decoded file: the tensors by name (in header order) and the free-form string metadata. */
export interface SafetensorsContents {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Options of `encodeSafetensors`: the header's `__metadata__` strings. */
export interface EncodeSafetensorsOptions {
  /** Stored as the header's "__metadata__" (string values only, as the format requires). */
  metadata?: Record<string, string> | undefined;
}

/** Options of `decodeSafetensors`: the source named in errors and the backend of the decoded tensors. */
export interface DecodeSafetensorsOptions {
  /** Where the bytes came from (a file name), named in every error. */
  source?: string | undefined;
  /** Backend of the decoded tensors (default: the JS backend). */
  backend?: Backend | undefined;
}

/** Host byte order; tensor bytes are always stored little-endian. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies elements of `itemSize` bytes between host order and little-endian (a plain copy on little-endian hosts). */
function copyLittleEndian(source: Uint8Array, target: Uint8Array, itemSize: number): void {
  if (HOST_IS_LITTLE_ENDIAN) {
    target.set(source);
    return;
  }
  for (let i = 0; i < source.length; i += itemSize) {
    for (let b = 0; b < itemSize; b++) target[i + b] = source[i + itemSize - 1 - b]!;
  }
}

function bytesOf(t: Tensor): Uint8Array {
  const data = t.read();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function entriesOf(
  tensors: Iterable<readonly [string, Tensor]> | Record<string, Tensor>,
): [string, Tensor][] {
  return Symbol.iterator in tensors
    ? [...(tensors as Iterable<readonly [string, Tensor]>)].map(([name, t]) => [name, t])
    : Object.entries(tensors as Record<string, Tensor>);
}

/**
 * Encodes named tensors as a safetensors file: header in the given order, tensor bytes contiguous
 * in the same order, header padded with spaces so the data section starts 8-byte aligned.
 */
export function encodeSafetensors(
  tensors: Iterable<readonly [string, Tensor]> | Record<string, Tensor>,
  options: EncodeSafetensorsOptions = {},
): Uint8Array {
  const entries = entriesOf(tensors);
  // No prototype: a tensor named "__proto__" is an entry like any other, not a prototype to set.
  const header: Record<string, unknown> = Object.create(null);
  if (options.metadata !== undefined) {
    for (const [key, value] of Object.entries(options.metadata)) {
      if (typeof value !== "string") {
        throw new SafetensorsError(`metadata "${key}" must be a string, got ${preview(value)}`, {
          code: "InvalidHeader",
        });
      }
    }
    header.__metadata__ = options.metadata;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === "__metadata__") {
      throw new SafetensorsError(`"__metadata__" is reserved and cannot name a tensor`, {
        code: "InvalidHeader",
        tensor: name,
      });
    }
    if (Object.hasOwn(header, name))
      throw new SafetensorsError("two tensors have this name", { code: "DuplicateKey", tensor: name });
    const begin = offset;
    offset += t.size * ITEM_SIZE[FROM_DTYPE[t.dtype]];
    header[name] = { dtype: FROM_DTYPE[t.dtype], shape: [...t.shape], data_offsets: [begin, offset] };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const [, t] of entries) {
    const bytes = bytesOf(t);
    copyLittleEndian(
      bytes,
      out.subarray(position, position + bytes.byteLength),
      ITEM_SIZE[FROM_DTYPE[t.dtype]],
    );
    position += bytes.byteLength;
  }
  return out;
}

/**
 * Throws on a duplicate key in any object of a JSON text that JSON.parse accepted (JSON.parse keeps
 * the last value silently; a file with two entries for one tensor is ambiguous, so it is refused).
 */
function checkDuplicateKeys(text: string, fail: (key: string) => never): void {
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") stack.push(new Set());
    else if (c === "[") stack.push(null);
    else if (c === "}" || c === "]") stack.pop();
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      const keys = stack[stack.length - 1];
      let next = i + 1;
      while (/\s/.test(text[next] ?? "")) next++;
      if (keys && text[next] === ":") {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) fail(key);
        keys.add(key);
      }
    }
  }
}

interface Entry {
  name: string;
  dtype: keyof typeof TO_DTYPE;
  shape: number[];
  begin: number;
  end: number;
}

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * Decodes a safetensors file, validating it completely first; tensors are copied out of `bytes`
 * (float32 for F32, float64 for F64). Errors are SafetensorsErrors naming `source`, the tensor and
 * expected vs. actual.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): SafetensorsContents {
  const file = options.source;
  const fail: (code: SafetensorsErrorCode, message: string, tensor?: string) => never = (
    code,
    message,
    tensor,
  ) => {
    throw new SafetensorsError(message, {
      code,
      ...(file === undefined ? {} : { file }),
      ...(tensor === undefined ? {} : { tensor }),
    });
  };
  if (!(bytes instanceof Uint8Array))
    fail("HeaderTooSmall", `expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 8) {
    fail(
      "HeaderTooSmall",
      `${bytes.length} bytes is too short: a safetensors file starts with an 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > SAFETENSORS_MAX_HEADER_LENGTH) {
    fail(
      "HeaderTooLarge",
      `header length ${headerLength} exceeds the limit of ${SAFETENSORS_MAX_HEADER_LENGTH} bytes`,
    );
  }
  if (8 + headerLength > bytes.length) {
    fail(
      "InvalidHeaderLength",
      `header length ${headerLength} runs past the end of the data (${bytes.length} bytes in all, expected at least ${8 + headerLength})`,
    );
  }
  let text = "";
  try {
    // ignoreBOM keeps a byte-order mark in the text, so it fails the "{" check as in the reference.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    );
  } catch {
    fail("InvalidHeader", "the header is not valid UTF-8");
  }
  if (!text.startsWith("{"))
    fail("InvalidHeaderStart", `the header must start with "{", got ${JSON.stringify(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail("InvalidHeader", `the header is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    fail("InvalidHeader", "the header must be a JSON object");
  checkDuplicateKeys(text, (key) => fail("DuplicateKey", `the header lists "${key}" more than once`, key));

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof info !== "object" || info === null || Array.isArray(info))
        fail("InvalidHeader", `"__metadata__" must be an object of strings`);
      for (const [key, value] of Object.entries(info as Record<string, unknown>)) {
        if (typeof value !== "string")
          fail("InvalidHeader", `"__metadata__" value of "${key}" must be a string, got ${preview(value)}`);
      }
      metadata = info as Record<string, string>;
      continue;
    }
    if (typeof info !== "object" || info === null)
      fail(
        "InvalidHeader",
        `the entry must be an object {dtype, shape, data_offsets}, got ${preview(info)}`,
        name,
      );
    if (Object.hasOwn(info, "__proto__"))
      fail(
        "TensorInvalidInfo",
        'the entry has a "__proto__" key, which is not a safetensors field (an entry holds dtype, shape and data_offsets)',
        name,
      );
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (dtype === undefined)
      fail("UnknownDtype", "the entry has no dtype (expected a safetensors dtype such as F32)", name);
    if (typeof dtype !== "string" || !KNOWN_DTYPES.has(dtype))
      fail("UnknownDtype", `unknown dtype ${preview(dtype)}`, name);
    if (dtype !== "F32" && dtype !== "F64") {
      fail(
        "UnsupportedDtype",
        `dtype ${dtype} is valid safetensors, but only F32 and F64 can be read into tensors`,
        name,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isIndex)) {
      fail("InvalidShape", `shape must be an array of non-negative integers, got ${preview(shape)}`, name);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
      fail(
        "InvalidOffset",
        `data_offsets must be [begin, end] of non-negative integers, got ${preview(offsets)}`,
        name,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail("InvalidOffset", `data_offsets [${begin}, ${end}] end before they begin`, name);
    // As the reference, a size that overflows on the way is refused, even if a later dimension is 0.
    let expected: number = ITEM_SIZE[dtype as "F32" | "F64"];
    for (const dimension of shape as number[]) {
      expected *= dimension;
      if (!Number.isSafeInteger(expected)) {
        fail(
          "ValidationOverflow",
          `shape ${formatShape(shape as number[])} of ${dtype} needs more bytes than can be counted (2^53)`,
          name,
        );
      }
    }
    if (expected !== end - begin) {
      fail(
        "TensorInvalidInfo",
        `shape ${formatShape(shape as number[])} of ${dtype} needs ${expected} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`,
        name,
      );
    }
    entries.push({ name, dtype: dtype as "F32" | "F64", shape: shape as number[], begin, end });
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: string | undefined;
  for (const entry of sorted) {
    if (entry.begin !== covered) {
      const what = entry.begin > covered ? "leaves a hole" : `overlaps tensor "${previous}"`;
      fail(
        "InvalidOffset",
        `data_offsets [${entry.begin}, ${entry.end}] ${what}: expected it to begin at byte ${covered}`,
        entry.name,
      );
    }
    covered = entry.end;
    previous = entry.name;
  }
  if (covered !== dataLength) {
    fail(
      "MetadataIncompleteBuffer",
      `the tensors cover ${covered} bytes, but the data section after the header holds ${dataLength} bytes`,
    );
  }

  const tensors = new Map<string, Tensor>();
  for (const entry of entries) {
    const values = allocateArray(TO_DTYPE[entry.dtype], (entry.end - entry.begin) / ITEM_SIZE[entry.dtype]);
    copyLittleEndian(
      bytes.subarray(dataStart + entry.begin, dataStart + entry.end),
      new Uint8Array(values.buffer),
      ITEM_SIZE[entry.dtype],
    );
    const placement = options.backend === undefined ? {} : { backend: options.backend };
    tensors.set(entry.name, fromArray(values, entry.shape, placement));
  }
  return { tensors, metadata };
}
