import type { Backend } from "../backend.js";
import { TensorError } from "../errors.js";
import { createJsBackend } from "../js-backend.js";
import { type BackendCase, backendCases } from "./backend-cases.js";
import { EXACT, firstMismatch } from "./compare.js";

/** One conformance check: a primitive on one case, against the JS reference. */
export interface BackendCheck {
  readonly name: string;
  readonly passed: boolean;
  /** Why it failed (the first wrong element, or the error thrown); empty when passed. */
  readonly detail: string;
}

/** Every check `checkBackend` ran on one backend. */
export interface BackendConformanceReport {
  readonly name: string;
  readonly checks: readonly BackendCheck[];
}

/** How strictly `checkBackend` compares, and which checks it runs. */
export interface CheckBackendOptions {
  /**
   * Demand bitwise equality with the JS reference everywhere, for a backend that computes exactly as
   * it does (float64 registers, the same sum order). Default false: float32 programs may run in
   * float32 and transcendental functions may differ by a few ulps.
   */
  readonly exact?: boolean;
  /** Only the checks whose names contain this string (to rerun one failure). */
  readonly filter?: string;
}

/** Thrown by `checkBackend` when any check fails; `report` lists every check. */
export class BackendConformanceError extends TensorError {
  override name = "BackendConformanceError";
  readonly report: BackendConformanceReport;

  constructor(report: BackendConformanceReport) {
    const failed = report.checks.filter((c) => !c.passed);
    const shown = failed.slice(0, 20).map((c) => `  ✗ ${c.name}: ${c.detail}`);
    if (failed.length > shown.length) shown.push(`  … and ${failed.length - shown.length} more`);
    super(
      `backend ${report.name} fails ${failed.length} of ${report.checks.length} conformance checks:\n${shown.join("\n")}`,
    );
    this.report = report;
  }
}

function runCase(c: BackendCase, backend: Backend, reference: Backend, exact: boolean): string {
  if ("check" in c) {
    c.check(backend);
    return "";
  }
  const expected = c.run(reference);
  const actual = c.run(backend);
  return firstMismatch(actual, expected, exact ? EXACT : c.tolerance(expected, reference)) ?? "";
}

/**
 * The backend conformance kit: runs every primitive of `backend` against the JS reference backend,
 * in float32 and float64 — allocate / read / write at offsets; every opcode of the elementwise IR on
 * empty, 1×1 and odd shapes (with NaN, ±∞, ±0 among the inputs), row / column layouts, the index
 * opcodes, outputs aliasing inputs, SUM and NONFINITE accumulators, many registers, an
 * optimizer-shaped and a softmax-cross-entropy-shaped program; reduce (sum / max / logsumexp, both axes, β); gemm in all
 * four transpose cases with α and β. Exact where one correctly rounded operation decides the result,
 * within stated rounding bounds elsewhere. Throws a `BackendConformanceError` listing the failures.
 */
export function checkBackend(backend: Backend, options: CheckBackendOptions = {}): BackendConformanceReport {
  const reference = createJsBackend();
  const checks: BackendCheck[] = [];
  for (const c of backendCases()) {
    if (options.filter !== undefined && !c.name.includes(options.filter)) continue;
    let detail: string;
    try {
      detail = runCase(c, backend, reference, options.exact ?? false);
    } catch (error) {
      detail = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    checks.push({ name: c.name, passed: detail === "", detail });
  }
  const report = { name: backend.name, checks };
  if (checks.some((c) => !c.passed)) throw new BackendConformanceError(report);
  return report;
}
