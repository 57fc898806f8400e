/*
 * Helpers of this package's tests only (not exported): fixtures, fuzzing and gradient-check
 * settings. Helpers several packages' tests share live in @backprop/test-kit.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatReport, type GradcheckOptions, type GradcheckReport } from "@backprop/gradcheck";
import { expect } from "vitest";
import { LayerError } from "./errors.js";

/** Absolute path of a file in packages/layers/fixtures. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/** A JSON fixture, parsed. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), "utf8")) as T;
}

/** |a − b| / max(|a|, |b|), 0 when both are 0. */
export function relativeError(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
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
 * The settings of every gradient check in this package (float64 throughout, every element checked):
 *
 * - eps 1e-5 ≈ ∛(machine ε): the centred difference's truncation error (ε²·f‴/6) and its rounding
 *   error (machine ε·|f| / ε) balance there, which keeps the relative error of gradients of normal
 *   size near 1e-9 (with eps 1e-6 deep sigmoid models reach ~1e-7 from rounding alone);
 * - an element passes when |analytic − numeric| ≤ atol + rtol·|numeric| with rtol 1e-7 (CS231n's
 *   "the gradient is right") and atol 1e-9. The absolute term only matters for gradient elements
 *   below ~1e-2: there, the rounding noise of the difference (≈ 1e-11·|f|, seen up to ~1e-10) is a
 *   sizeable part of the element itself, so its relative error measures noise, not correctness
 *   (it reaches 1e-6 on correct elements of 1e-5 in the depth-4 models). A wrong gradient is off by
 *   far more than 1e-9: a dropped bias term or a missing factor of h′ is an O(1) error.
 */
export const STRICT: Readonly<GradcheckOptions> = Object.freeze({ eps: 1e-5, atol: 1e-9, rtol: 1e-7 });

/**
 * Asserts a report of a single layer or function: every comparison passed under STRICT, nothing was
 * skipped, and the largest relative error over all of them is at most 1e-7.
 */
export function expectExactGradients(report: GradcheckReport): void {
  const table = formatReport(report);
  expect(report.ok, table).toBe(true);
  expect(report.skipped, table).toBe(0);
  expect(report.maxRelError, table).toBeLessThanOrEqual(1e-7);
}
