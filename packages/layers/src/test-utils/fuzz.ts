import { type Backend, createJsBackend } from "@backprop/tensor";
import { expect } from "vitest";
import { LayerError } from "../errors.js";

function envInteger(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * fast-check's parameters for the fuzz tests in src/fuzz: 300 seeded runs per property in the normal
 * test run; `FUZZ_RUNS` sets the count (the package's `fuzz` script runs 10,000) and `FUZZ_SEED`
 * the seed (a failure prints the seed and path that reproduce it).
 */
export function fuzzParameters(): { seed: number; numRuns: number } {
  return { seed: envInteger("FUZZ_SEED", 20240601, 0), numRuns: envInteger("FUZZ_RUNS", 300, 1) };
}

/** A JS backend that counts the bytes its tensors are given, to show what a reader allocates. */
export function countingBackend(): { backend: Backend; allocatedBytes: () => number } {
  const base = createJsBackend();
  let bytes = 0;
  const backend: Backend = {
    ...base,
    allocate(dtype, length) {
      bytes += length * (dtype === "float64" ? 8 : 4);
      return base.allocate(dtype, length);
    },
  };
  return { backend, allocatedBytes: () => bytes };
}

/** Runs a reader on forged input: it may succeed or throw a LayerError (SafetensorsError included), nothing else. */
export function readOrLayerError<T>(read: () => T): T | LayerError {
  try {
    return read();
  } catch (error) {
    if (error instanceof LayerError) return error;
    throw error;
  }
}

/**
 * The own properties (name and value or getter) of the prototypes a pollution attack writes to:
 * Object.prototype, Array.prototype and Function.prototype.
 */
export function prototypeSnapshot(): [string, unknown][][] {
  return [Object.prototype, Array.prototype, Function.prototype].map((prototype) =>
    Object.entries(Object.getOwnPropertyDescriptors(prototype)).map(([name, d]) => [name, d.value ?? d.get]),
  );
}

/** Asserts that no prototype gained, lost or changed a property since `before` was taken. */
export function expectPrototypesUnchanged(before: [string, unknown][][]): void {
  expect(prototypeSnapshot()).toEqual(before);
}
