/** Base class of every error @backprop/layers throws, so callers can catch the library's errors alone. */
export class LayerError extends Error {
  override name = "LayerError";
}

/**
 * A value as an error message quotes it: its JSON, cut after `max` characters. Never throws, so a
 * reader's error stays the error: values nested too deeply for JSON.stringify's recursion, BigInts
 * and cycles (none of which a JSON file holds, but a caller's object may) are described instead.
 */
export function preview(value: unknown, max = 80): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    text =
      typeof value === "object" && value !== null
        ? `(${Array.isArray(value) ? "an array" : "an object"} that cannot be written as JSON)`
        : typeof value === "bigint"
          ? `${value}n`
          : String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

/** What is wrong with a safetensors file or with the tensors a model expects from it. */
export type SafetensorsErrorCode =
  | "HeaderTooSmall"
  | "HeaderTooLarge"
  | "InvalidHeaderLength"
  | "InvalidHeaderStart"
  | "InvalidHeader"
  | "DuplicateKey"
  | "UnknownDtype"
  | "UnsupportedDtype"
  | "InvalidShape"
  | "ValidationOverflow"
  | "InvalidOffset"
  | "TensorInvalidInfo"
  | "MetadataIncompleteBuffer"
  | "MissingTensor"
  | "UnexpectedTensor"
  | "TensorMismatch"
  | "Io";

/** What a `SafetensorsError` says about the problem: a code, and the file and tensor it concerns. */
export interface SafetensorsErrorDetails {
  code: SafetensorsErrorCode;
  /** The file (or other source) being read or written, when known. */
  file?: string;
  /** The tensor the problem concerns, when there is one. */
  tensor?: string;
}

/**
 * A safetensors encode/decode/load failure. `message` names the file, the tensor and expected vs.
 * actual; `code` (named after the reference implementation's `SafeTensorError` variants) lets code
 * branch on the kind of failure.
 */
export class SafetensorsError extends LayerError {
  override name = "SafetensorsError";
  readonly code: SafetensorsErrorCode;
  readonly file: string | undefined;
  readonly tensor: string | undefined;

  constructor(message: string, details: SafetensorsErrorDetails, options?: ErrorOptions) {
    const where = [details.file, details.tensor === undefined ? undefined : `tensor "${details.tensor}"`]
      .filter((part) => part !== undefined)
      .join(": ");
    super(where === "" ? message : `${where}: ${message}`, options);
    this.code = details.code;
    this.file = details.file;
    this.tensor = details.tensor;
  }
}
