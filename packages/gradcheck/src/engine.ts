import { formatShape, type Rng, sameShape, type Tensor } from "@backprop/tensor";
import { GradcheckError } from "./errors.js";
import type { KinkOption, ResolvedOptions } from "./options.js";
import type { Comparison, GradcheckReport } from "./report.js";

/** A float64 tensor the check perturbs in place (and restores exactly) and the gradient claimed for it. */
export interface CheckTarget {
  readonly name: string;
  readonly tensor: Tensor;
  readonly analytic: Tensor;
}

/** Row-major flat index → one index per dimension. */
function unravel(index: number, shape: readonly number[]): number[] {
  const multi = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const dim = shape[d]!;
    multi[d] = index % dim;
    index = Math.floor(index / dim);
  }
  return multi;
}

/** k distinct indices of [0, n), sorted, drawn with Floyd's algorithm (all of them when k ≥ n). */
function sampleIndices(n: number, k: number, rng: Rng): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** A random unit vector u (‖u‖₂ = 1) of length n, normal entries rescaled. */
function randomDirection(n: number, rng: Rng): Float64Array {
  const u = new Float64Array(n);
  let squares = 0;
  while (squares === 0) {
    squares = 0;
    for (let i = 0; i < n; i++) {
      u[i] = rng.normal();
      squares += u[i]! * u[i]!;
    }
  }
  const inverse = 1 / Math.sqrt(squares);
  for (let i = 0; i < n; i++) u[i]! *= inverse;
  return u;
}

function inKinkRegion(
  kink: KinkOption | undefined,
  parameter: string,
  index: number,
  value: number,
): boolean {
  if (kink === undefined || kink === "detect") return false;
  if (typeof kink === "function") return kink({ parameter, index, value });
  return Math.abs(value - (kink.at ?? 0)) < kink.range;
}

/** Collects comparisons: counts, maxima, and the `worst` ones ranked by error over tolerance. */
class Tally {
  checked = 0;
  failed = 0;
  skipped = 0;
  maxAbsError = 0;
  maxRelError = 0;
  private readonly ranked: { badness: number; comparison: Comparison }[] = [];

  constructor(private readonly options: ResolvedOptions) {}

  /** Passes when |a − n| ≤ atol + rtol·|n| (torch.allclose(analytic, numeric)); NaN or ±∞ fails. */
  record(
    parameter: string,
    analytic: number,
    numeric: number,
    where:
      | { kind: "element"; index: number; multiIndex: readonly number[] }
      | { kind: "direction"; direction: number },
  ): void {
    const absError = Math.abs(analytic - numeric);
    const scale = Math.max(Math.abs(analytic), Math.abs(numeric));
    const relError = absError === 0 ? 0 : absError / scale;
    const tolerance = this.options.atol + this.options.rtol * Math.abs(numeric);
    const finite = Number.isFinite(analytic) && Number.isFinite(numeric);
    const failed = !(finite && absError <= tolerance);
    this.checked++;
    if (failed) this.failed++;
    this.maxAbsError = Number.isNaN(absError) ? Number.NaN : Math.max(this.maxAbsError, absError);
    this.maxRelError = Number.isNaN(relError) ? Number.NaN : Math.max(this.maxRelError, relError);
    if (this.options.worst === 0) return;
    const badness = !finite
      ? Number.POSITIVE_INFINITY
      : tolerance > 0
        ? absError / tolerance
        : absError > 0
          ? Number.MAX_VALUE
          : 0;
    const last = this.ranked[this.ranked.length - 1];
    if (this.ranked.length >= this.options.worst && last !== undefined && last.badness >= badness) return;
    const comparison: Comparison = { parameter, analytic, numeric, absError, relError, failed, ...where };
    const at = this.ranked.findIndex((entry) => entry.badness < badness);
    this.ranked.splice(at < 0 ? this.ranked.length : at, 0, { badness, comparison });
    if (this.ranked.length > this.options.worst) this.ranked.pop();
  }

  /** One-sided differences that disagree beyond tolerance mean the step crossed a kink. */
  isKink(forward: number, backward: number): boolean {
    const gap = Math.abs(forward - backward);
    return gap > this.options.atol + this.options.rtol * Math.max(Math.abs(forward), Math.abs(backward));
  }

  report(): GradcheckReport {
    const { mode, eps, atol, rtol } = this.options;
    return {
      ok: this.failed === 0 && (this.checked > 0 || this.skipped === 0),
      mode,
      eps,
      atol,
      rtol,
      maxAbsError: this.maxAbsError,
      maxRelError: this.maxRelError,
      worst: this.ranked.map((entry) => entry.comparison),
      checked: this.checked,
      failed: this.failed,
      skipped: this.skipped,
    };
  }
}

function evaluate(op: string, objective: () => number): number {
  const value = objective();
  if (typeof value !== "number") {
    throw new GradcheckError(`${op}: the checked function must return a number, got ${typeof value}`);
  }
  return value;
}

/**
 * Compares each target's analytic gradient with centred differences of `objective`, which reads the
 * targets' current elements. Each perturbed element is written back from a saved copy (bitwise
 * restoration, also when `objective` throws), and `objective` is evaluated once more at the
 * unperturbed point at the end, so a layer's or loss's cached state is that of the original input.
 *
 * Element modes: ∂f/∂x_i ≈ (f(x + ε e_i) − f(x − ε e_i)) / (x_i⁺ − x_i⁻), dividing by the step
 * actually taken after rounding. Directions: ⟨∇f, u⟩ ≈ (f(x + εu) − f(x − εu)) / 2ε.
 */
export function compareGradients(
  op: string,
  objective: () => number,
  targets: readonly CheckTarget[],
  options: ResolvedOptions,
  rng: Rng,
): GradcheckReport {
  for (const { name, tensor, analytic } of targets) {
    if (!sameShape(tensor.shape, analytic.shape)) {
      throw new GradcheckError(
        `${op}: the analytic gradient of ${name} has shape ${formatShape(analytic.shape)}, expected ${formatShape(tensor.shape)}`,
      );
    }
  }
  const center = evaluate(op, objective);
  const again = evaluate(op, objective);
  if (!Object.is(center, again)) {
    throw new GradcheckError(
      `${op}: the function is not deterministic: two evaluations at the same point gave ${center} and ${again} ` +
        "(put layers such as Dropout in eval mode, e.g. model.train(false))",
    );
  }
  const tally = new Tally(options);
  const { eps, kink, mode } = options;
  const detect = kink === "detect";
  for (const { name, tensor, analytic } of targets) {
    if (mode === "directions") {
      const saved = Float64Array.from(tensor.read());
      const atKink = saved.some((value, i) => inKinkRegion(kink, name, i, value));
      const g = analytic.read();
      const stepped = new Float64Array(saved.length);
      for (let d = 0; d < options.directions && saved.length > 0; d++) {
        const u = randomDirection(saved.length, rng);
        if (atKink) {
          tally.skipped++;
          continue;
        }
        let plus: number;
        let minus: number;
        try {
          for (let i = 0; i < u.length; i++) stepped[i] = saved[i]! + eps * u[i]!;
          tensor.write(stepped);
          plus = evaluate(op, objective);
          for (let i = 0; i < u.length; i++) stepped[i] = saved[i]! - eps * u[i]!;
          tensor.write(stepped);
          minus = evaluate(op, objective);
        } finally {
          tensor.write(saved);
        }
        if (detect && tally.isKink((plus - center) / eps, (center - minus) / eps)) {
          tally.skipped++;
          continue;
        }
        let directional = 0;
        for (let i = 0; i < u.length; i++) directional += g[i]! * u[i]!;
        tally.record(name, directional, (plus - minus) / (2 * eps), { kind: "direction", direction: d });
      }
      continue;
    }
    const indices =
      mode === "all"
        ? Array.from({ length: tensor.size }, (_, i) => i)
        : sampleIndices(tensor.size, options.samples, rng);
    const values = tensor.read();
    const gradient = analytic.read();
    for (const index of indices) {
      const value = values[index]!;
      if (inKinkRegion(kink, name, index, value)) {
        tally.skipped++;
        continue;
      }
      const up = value + eps;
      const down = value - eps;
      let plus: number;
      let minus: number;
      try {
        tensor.write([up], index);
        plus = evaluate(op, objective);
        tensor.write([down], index);
        minus = evaluate(op, objective);
      } finally {
        tensor.write([value], index);
      }
      if (detect && tally.isKink((plus - center) / (up - value), (center - minus) / (value - down))) {
        tally.skipped++;
        continue;
      }
      const multiIndex = unravel(index, tensor.shape);
      tally.record(name, gradient[index]!, (plus - minus) / (up - down), {
        kind: "element",
        index,
        multiIndex,
      });
    }
  }
  evaluate(op, objective);
  return tally.report();
}
