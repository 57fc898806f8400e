import type { GradcheckMode } from "./options.js";

interface ComparisonBase {
  /** `"input"` (`"prediction"` for a loss) or the parameter's name. */
  readonly parameter: string;
  /** The gradient the code computed (for a direction: ⟨∇f, u⟩). */
  readonly analytic: number;
  /** The centred difference (f(x + ε) − f(x − ε)) / 2ε. */
  readonly numeric: number;
  /** |analytic − numeric| */
  readonly absError: number;
  /** |analytic − numeric| / max(|analytic|, |numeric|), 0 when both are 0 (CS231n's relative error). */
  readonly relError: number;
  /** Whether the comparison failed: |analytic − numeric| > atol + rtol·|numeric|, or either is not finite. */
  readonly failed: boolean;
}

/** One element's derivative, in `"all"` and `"sample"` modes. */
export interface ElementComparison extends ComparisonBase {
  readonly kind: "element";
  /** Row-major flat index into the tensor. */
  readonly index: number;
  /** The same position as one index per dimension. */
  readonly multiIndex: readonly number[];
}

/** One random direction's directional derivative, in `"directions"` mode. */
export interface DirectionComparison extends ComparisonBase {
  readonly kind: "direction";
  /** Which of the tensor's directions (0-based). */
  readonly direction: number;
}

/** One comparison a gradient check made: of one element, or along one random direction. */
export type Comparison = ElementComparison | DirectionComparison;

/** What a gradient check found. A check never throws for wrong gradients: it reports them here. */
export interface GradcheckReport {
  /** No comparison failed and, unless there was nothing to compare, at least one was made. */
  readonly ok: boolean;
  readonly mode: GradcheckMode;
  readonly eps: number;
  readonly atol: number;
  readonly rtol: number;
  /** Largest |analytic − numeric| over the checked comparisons (NaN if any was NaN). */
  readonly maxAbsError: number;
  /** Largest |analytic − numeric| / max(|analytic|, |numeric|) over the checked comparisons. */
  readonly maxRelError: number;
  /** The worst comparisons, worst first (ranked by error over tolerance, so failures come first). */
  readonly worst: readonly Comparison[];
  /** Comparisons made (elements, or directions). */
  readonly checked: number;
  /** Comparisons that failed. */
  readonly failed: number;
  /** Comparisons skipped at kinks (see the `kink` option). */
  readonly skipped: number;
}

function formatValue(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(10) : String(x);
}

function formatError(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

/** Settings as written in code: 1e-6 rather than 0.000001. */
function formatSetting(x: number): string {
  return x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x);
}

function position(c: Comparison): string {
  return c.kind === "element" ? `${c.index} [${c.multiIndex.join(",")}]` : `direction ${c.direction}`;
}

/**
 * A readable summary and a table of the worst comparisons:
 *
 * ```text
 * gradcheck FAILED: 1 of 12 comparisons failed, 0 skipped at kinks (mode all, eps 1e-6, atol 1e-5, rtol 0.001)
 * max abs error 1.00e+0, max rel error 3.33e-1
 *   parameter  position  analytic     numeric      abs error  rel error
 * ✗ weight     0 [0,0]   3.000000000  2.000000000  1.00e+0    3.33e-1
 * ```
 */
export function formatReport(report: GradcheckReport): string {
  const { checked, failed, skipped } = report;
  const status = report.ok ? "passed" : "FAILED";
  const settings = `mode ${report.mode}, eps ${formatSetting(report.eps)}, atol ${formatSetting(report.atol)}, rtol ${formatSetting(report.rtol)}`;
  const counts =
    checked === 0 && skipped > 0
      ? `nothing checked: all ${skipped} comparisons were skipped at kinks`
      : `${failed} of ${checked} comparisons failed, ${skipped} skipped at kinks`;
  const lines = [
    `gradcheck ${status}: ${counts} (${settings})`,
    `max abs error ${formatError(report.maxAbsError)}, max rel error ${formatError(report.maxRelError)}`,
  ];
  if (report.worst.length > 0) {
    const header = ["parameter", "position", "analytic", "numeric", "abs error", "rel error"];
    const rows = report.worst.map((c) => [
      c.parameter,
      position(c),
      formatValue(c.analytic),
      formatValue(c.numeric),
      formatError(c.absError),
      formatError(c.relError),
    ]);
    const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col]!.length)));
    const render = (cells: readonly string[]) =>
      cells
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join("  ")
        .trimEnd();
    lines.push(
      `  ${render(header)}`,
      ...report.worst.map((c, i) => `${c.failed ? "✗" : " "} ${render(rows[i]!)}`),
    );
  }
  return lines.join("\n");
}
