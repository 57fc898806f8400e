import { GradcheckError } from "./errors.js";

/**
 * Which derivatives a check compares:
 * - `"all"`: every element of the input and of every parameter (one pair of evaluations each);
 * - `"sample"`: `samples` elements per tensor, drawn without replacement from a seeded RNG;
 * - `"directions"`: `directions` random unit directions u per tensor, comparing the directional
 *   derivative ⟨∇f, u⟩ with (f(x + εu) − f(x − εu)) / 2ε (JAX `check_grads` style; two
 *   evaluations per direction however large the tensor).
 */
export type GradcheckMode = "all" | "sample" | "directions";

/** The element a kink predicate is asked about: its tensor, flat index and current value. */
export interface KinkElement {
  /** `"input"` (or `"prediction"` for a loss) or the parameter's name. */
  readonly parameter: string;
  readonly index: number;
  readonly value: number;
}

/**
 * How to treat points where the function is not differentiable (ReLU or |x| at 0). Elements at a
 * kink are skipped and counted in `report.skipped`, never failed.
 * - `"detect"`: measure the one-sided differences (f(x+ε) − f(x)) / ε and (f(x) − f(x−ε)) / ε; if
 *   they disagree by more than atol + rtol·max(|forward|, |backward|), the centred difference
 *   straddles a kink and the element is skipped. Needs one extra evaluation of f per check, none per
 *   element. A smooth function whose curvature |f''|·ε exceeds the tolerance is flagged too.
 * - `{ at, range }` (Caffe's `kink` / `kink_range`): skip elements whose value lies strictly within
 *   `range` of `at` (default 0), e.g. the inputs of an elementwise ReLU.
 * - a predicate: skip the elements for which it returns true.
 * In `"directions"` mode a direction moves every element at once, so the last two forms skip a
 * direction when any element of the tensor is at a kink.
 */
export type KinkOption =
  | "detect"
  | { readonly at?: number; readonly range: number }
  | ((element: KinkElement) => boolean);

/** Tolerances and steps of a finite-difference check: an element passes when |analytic − numeric| ≤ atol + rtol·|numeric|. */
export interface GradcheckOptions {
  /** Finite-difference step ε (torch.autograd.gradcheck's default 1e-6). */
  eps?: number;
  /** Absolute tolerance: an element passes when |analytic − numeric| ≤ atol + rtol·|numeric|. Default 1e-5. */
  atol?: number;
  /** Relative tolerance, default 1e-3 (torch.autograd.gradcheck's defaults). */
  rtol?: number;
  /** `"all"` (default), `"sample"` or `"directions"`. */
  mode?: GradcheckMode;
  /** Elements checked per tensor in `"sample"` mode (default 10; all of them if the tensor is smaller). */
  samples?: number;
  /** Random directions per tensor in `"directions"` mode (default 4). */
  directions?: number;
  /** Seed of the RNG behind the output projection, the sampled elements and the directions (default 0). */
  seed?: number;
  /** Kink handling (off unless given); see `KinkOption`. */
  kink?: KinkOption;
  /** How many of the worst comparisons the report keeps (default 5). */
  worst?: number;
}

export interface ResolvedOptions {
  readonly eps: number;
  readonly atol: number;
  readonly rtol: number;
  readonly mode: GradcheckMode;
  readonly samples: number;
  readonly directions: number;
  readonly seed: number;
  readonly kink: KinkOption | undefined;
  readonly worst: number;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new GradcheckError(`gradcheck: ${name} must be a positive finite number, got ${value}`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new GradcheckError(`gradcheck: ${name} must be a non-negative finite number, got ${value}`);
  }
  return value;
}

function count(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new GradcheckError(`gradcheck: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}

/** Fills in the defaults (torch.autograd.gradcheck's eps 1e-6, atol 1e-5, rtol 1e-3) and validates. */
export function resolveOptions(options: GradcheckOptions = {}): ResolvedOptions {
  const mode = options.mode ?? "all";
  if (mode !== "all" && mode !== "sample" && mode !== "directions") {
    throw new GradcheckError(
      `gradcheck: mode must be "all", "sample" or "directions", got ${JSON.stringify(mode)}`,
    );
  }
  const kink = options.kink;
  if (kink !== undefined && kink !== "detect" && typeof kink !== "function") {
    if (typeof kink !== "object" || kink === null) {
      throw new GradcheckError(
        `gradcheck: kink must be "detect", { at, range } or a predicate, got ${JSON.stringify(kink)}`,
      );
    }
    positive("kink.range", kink.range);
    if (kink.at !== undefined && !Number.isFinite(kink.at)) {
      throw new GradcheckError(`gradcheck: kink.at must be a finite number, got ${kink.at}`);
    }
  }
  return {
    eps: positive("eps", options.eps ?? 1e-6),
    atol: nonNegative("atol", options.atol ?? 1e-5),
    rtol: nonNegative("rtol", options.rtol ?? 1e-3),
    mode,
    samples: count("samples", options.samples ?? 10, 1),
    directions: count("directions", options.directions ?? 4, 1),
    seed: count("seed", options.seed ?? 0, 0),
    kink,
    worst: count("worst", options.worst ?? 5, 0),
  };
}
