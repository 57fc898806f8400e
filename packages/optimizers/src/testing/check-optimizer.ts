import type { DType, FloatArray } from "@backprop/tensor";
import { OptimizerError } from "../errors.js";
import { Optimizer, type OptimizerStateDict } from "../optimizer.js";
import { applyUpdates, isParamArrays, type ParamArrays, zerosLikeParams } from "../params.js";
import type { GradientTransformation } from "../transform.js";
import { countTypedArrayAllocations } from "./count-allocations.js";
import { quadratic } from "./problem.js";

/** What `checkOptimizer` needs: a name, a factory of fresh transformations, and calls that must be refused. */
export interface ConformanceOptions {
  /** Names the optimizer in the report. */
  name: string;
  /** Builds a fresh transformation (the kit builds several, one per optimizer it runs). */
  create: () => GradientTransformation;
  /** Calls that must each throw a HyperparameterError, e.g. `() => myOptimizer({ lr: -1 })`. At least one. */
  invalid: ReadonlyArray<() => unknown>;
  /** Steps on the quadratic for "loss falls" (100 by default). */
  steps?: number;
}

/** One check of the optimizer conformance kit: its name, whether it passed, and what it found. */
export interface ConformanceCheck {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** Every check `checkOptimizer` ran on one optimizer. */
export interface ConformanceReport {
  readonly name: string;
  readonly checks: readonly ConformanceCheck[];
}

/** Thrown by `checkOptimizer` when any check fails; `report` lists every check. */
export class ConformanceError extends OptimizerError {
  override name = "ConformanceError";
  readonly report: ConformanceReport;

  constructor(report: ConformanceReport) {
    const failed = report.checks.filter((c) => !c.passed);
    super(
      `${report.name} fails ${failed.length} conformance check(s):\n${failed.map((c) => `  ✗ ${c.name}: ${c.detail}`).join("\n")}`,
    );
    this.report = report;
  }
}

const DTYPES: readonly DType[] = ["float32", "float64"];

/** Every typed array reachable from a state (per-parameter buffers and any other), in a fixed order. */
function buffersOf(state: unknown, out: unknown[] = []): unknown[] {
  if (ArrayBuffer.isView(state)) out.push(state);
  else if (isParamArrays(state)) out.push(...state.arrays);
  else if (Array.isArray(state)) for (const s of state) buffersOf(s, out);
  else if (
    typeof state === "object" &&
    state !== null &&
    typeof (state as { stateDict?: unknown }).stateDict !== "function"
  ) {
    for (const v of Object.values(state)) buffersOf(v, out);
  }
  return out;
}

function bitwiseEqual(a: FloatArray, b: FloatArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function lossFalls(options: ConformanceOptions, dtype: DType): string {
  const problem = quadratic(dtype);
  const opt = new Optimizer(options.create(), problem.parameters);
  const before = problem.loss();
  for (let t = 0; t < (options.steps ?? 100); t++) {
    problem.gradient();
    opt.step();
  }
  const after = problem.loss();
  if (!Number.isFinite(after) || !(after < before)) throw new Error(`loss went from ${before} to ${after}`);
  return `loss ${before.toPrecision(4)} → ${after.toPrecision(4)}`;
}

function roundTrip(options: ConformanceOptions, dtype: DType): string {
  const a = quadratic(dtype);
  const optA = new Optimizer(options.create(), a.parameters);
  for (let t = 0; t < 5; t++) {
    a.gradient();
    optA.step();
  }
  const saved = JSON.stringify(optA.stateDict());
  const b = quadratic(dtype);
  b.parameters.forEach((p, i) => {
    p.value.data.set(a.parameters[i]!.value.data);
  });
  const optB = new Optimizer(options.create(), b.parameters);
  optB.loadStateDict(JSON.parse(saved) as OptimizerStateDict);
  if (JSON.stringify(optB.stateDict()) !== saved)
    throw new Error("stateDict() right after loadStateDict() differs from what was loaded");
  for (let t = 0; t < 5; t++) {
    a.gradient();
    optA.step();
    b.gradient();
    optB.step();
  }
  a.parameters.forEach((p, i) => {
    if (!bitwiseEqual(p.value.data, b.parameters[i]!.value.data)) {
      throw new Error(`after save → load → 5 more steps, parameter "${p.name}" differs from never stopping`);
    }
  });
  if (JSON.stringify(optA.stateDict()) !== JSON.stringify(optB.stateDict()))
    throw new Error("states differ after continuing");
  return `${saved.length} bytes of JSON; continuation bitwise identical`;
}

function noAllocation(options: ConformanceOptions, dtype: DType): string {
  // The transformation directly: state and update buffers must stay the same objects.
  const problem = quadratic(dtype);
  const tx = options.create();
  const params: ParamArrays = {
    names: problem.parameters.map((p) => p.name),
    shapes: problem.parameters.map((p) => p.value.shape),
    arrays: problem.parameters.map((p) => p.value.data),
  };
  const updates = zerosLikeParams(params);
  const buffers = updates.arrays.slice();
  const state = tx.init(params);
  const step = (): void => {
    problem.gradient();
    problem.parameters.forEach((p, i) => {
      updates.arrays[i]!.set(p.grad.data);
    });
    const out = tx.update(updates, state, params);
    if (out.arrays.some((u, i) => u !== buffers[i]))
      throw new Error("update() did not write into the update buffers it was given");
    applyUpdates(params, out);
  };
  step();
  const stateBuffers = buffersOf(state);
  const created = countTypedArrayAllocations(() => {
    for (let t = 0; t < 5; t++) step();
  });
  if (created > 0) throw new Error(`update() created ${created} typed arrays / buffers in 5 steps`);
  const after = buffersOf(state);
  if (after.length !== stateBuffers.length || after.some((b, i) => b !== stateBuffers[i])) {
    throw new Error("update() replaced state buffers instead of writing into them");
  }
  // And through the Optimizer facade.
  const facade = quadratic(dtype);
  const opt = new Optimizer(options.create(), facade.parameters);
  facade.gradient();
  opt.step();
  const viaFacade = countTypedArrayAllocations(() => {
    for (let t = 0; t < 5; t++) {
      facade.gradient();
      opt.step();
    }
  });
  if (viaFacade > 0)
    throw new Error(`Optimizer.step() created ${viaFacade} typed arrays / buffers in 5 steps`);
  return `${stateBuffers.length} state buffers kept; 0 typed arrays created in 5 steps (transformation and Optimizer)`;
}

function rejectsMismatch(options: ConformanceOptions): string {
  const a = quadratic("float64");
  const saved = new Optimizer(options.create(), a.parameters).stateDict();
  const renamed = JSON.parse(
    JSON.stringify(saved).replaceAll('"dense.bias"', '"dense.b"'),
  ) as OptimizerStateDict;
  const wrongDtype = quadratic("float32");
  const attempts: [string, () => void][] = [
    ["a renamed parameter", () => new Optimizer(options.create(), a.parameters).loadStateDict(renamed)],
    [
      "float64 state into float32 parameters",
      () => new Optimizer(options.create(), wrongDtype.parameters).loadStateDict(saved),
    ],
  ];
  for (const [what, attempt] of attempts) {
    try {
      attempt();
    } catch (error) {
      const e = error as Error;
      if (e.name !== "StateDictError" || !e.message.includes("dense.")) {
        throw new Error(
          `loading ${what} threw ${e.name}: ${e.message} (expected a StateDictError naming the parameter)`,
        );
      }
      continue;
    }
    throw new Error(`loading ${what} did not fail`);
  }
  return "renamed parameter and dtype mismatch rejected with StateDictError";
}

function rejectsHyperparameters(options: ConformanceOptions): string {
  if (options.invalid.length === 0)
    throw new Error("give at least one out-of-range hyperparameter case in `invalid`");
  options.invalid.forEach((attempt, i) => {
    try {
      attempt();
    } catch (error) {
      const e = error as Error;
      if (e.name !== "HyperparameterError")
        throw new Error(`invalid[${i}] threw ${e.name}: ${e.message}, expected a HyperparameterError`);
      return;
    }
    throw new Error(`invalid[${i}] did not throw`);
  });
  return `${options.invalid.length} out-of-range case(s) rejected`;
}

/**
 * The conformance kit: checks that an optimizer (any GradientTransformation) keeps this package's
 * contract, and throws a ConformanceError listing every failed check (returns the report otherwise).
 * Needs no test framework: call it inside any test.
 *
 * Checks, in float32 and float64: the loss of a convex quadratic falls; the state round-trips through
 * JSON.stringify / parse and the continuation is bitwise identical to never stopping; after the first
 * step, no typed array or ArrayBuffer is created per step (see countTypedArrayAllocations for what that
 * measures) and the state / update buffers stay the same objects. Once: loading a state with a renamed
 * parameter or another dtype fails with a StateDictError naming it; every `invalid` case throws a
 * HyperparameterError.
 */
export function checkOptimizer(options: ConformanceOptions): ConformanceReport {
  const checks: ConformanceCheck[] = [];
  const run = (name: string, check: () => string): void => {
    try {
      checks.push({ name, passed: true, detail: check() });
    } catch (error) {
      checks.push({ name, passed: false, detail: error instanceof Error ? error.message : String(error) });
    }
  };
  for (const dtype of DTYPES) {
    run(`loss of a convex quadratic falls (${dtype})`, () => lossFalls(options, dtype));
    run(`state round-trips through JSON, bitwise continuation (${dtype})`, () => roundTrip(options, dtype));
    run(`allocates nothing per step (${dtype})`, () => noAllocation(options, dtype));
  }
  run("loadStateDict rejects mismatched names and dtypes", () => rejectsMismatch(options));
  run("out-of-range hyperparameters are rejected", () => rejectsHyperparameters(options));
  const report = { name: options.name, checks };
  if (checks.some((c) => !c.passed)) throw new ConformanceError(report);
  return report;
}
