/** Base class of every error @backprop/layers throws, so callers can catch the library's errors alone. */
export class LayerError extends Error {
  override name = "LayerError";
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
  | "InvalidOffset"
  | "TensorInvalidInfo"
  | "MetadataIncompleteBuffer"
  | "MissingTensor"
  | "UnexpectedTensor"
  | "TensorMismatch"
  | "Io";

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
