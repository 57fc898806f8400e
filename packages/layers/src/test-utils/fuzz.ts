import { LayerError } from "../errors.js";

/** Runs a reader on forged input: it may succeed or throw a LayerError (SafetensorsError included), nothing else. */
export function readOrLayerError<T>(read: () => T): T | LayerError {
  try {
    return read();
  } catch (error) {
    if (error instanceof LayerError) return error;
    throw error;
  }
}
