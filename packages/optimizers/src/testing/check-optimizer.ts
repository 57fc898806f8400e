import { type Backend, type DType, jsBackend, type Tensor } from "@backprop/tensor";
import { OptimizerError } from "../errors.js";
import { applyUpdates, computeUpdates } from "../functional.js";
import { Optimizer, type OptimizerStateDict } from "../optimizer.js";
import { isParamTensors, type ParamTensors, zerosLikeParams } from "../params.js";
import type { GradientTransformation, UpdateContext } from "../transform.js";
import { countTypedArrayAllocations } from "./count-allocations.js";
import { countingBackend } from "./counting-backend.js";
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
  /** Where the problem's parameters (and so the optimizer's state) live; the JS backend by default. */
  backend?: Backend;
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

/** Every tensor reachable from a state (in ParamTensors or not), in a fixed order. */
function tensorsOf(state: unknown, out: unknown[] = []): unknown[] {
  if (isParamTensors(state)) out.push(...state.tensors);
  else if (Array.isArray(state)) for (const s of state) tensorsOf(s, out);
  else if (
    typeof state === "object" &&
    state !== null &&
    typeof (state as { stateDict?: unknown }).stateDict !== "function"
  ) {
    if (typeof (state as { read?: unknown }).read === "function") out.push(state);
    else for (const v of Object.values(state)) tensorsOf(v, out);
  }
  return out;
}

function bitwiseEqual(a: Tensor, b: Tensor): boolean {
  const [x, y] = [a.read(), b.read()];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

function lossFalls(options: ConformanceOptions, dtype: DType): string {
  const problem = quadratic(dtype, 7, options.backend);
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
  const a = quadratic(dtype, 7, options.backend);
  const optA = new Optimizer(options.create(), a.parameters);
  for (let t = 0; t < 5; t++) {
    a.gradient();
    optA.step();
  }
  const saved = JSON.stringify(optA.stateDict());
  const b = quadratic(dtype, 7, options.backend);
  b.parameters.forEach((p, i) => {
    p.value.write(a.parameters[i]!.value.read());
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
    if (!bitwiseEqual(p.value, b.parameters[i]!.value)) {
      throw new Error(`after save → load → 5 more steps, parameter "${p.name}" differs from never stopping`);
    }
  });
  if (JSON.stringify(optA.stateDict()) !== JSON.stringify(optB.stateDict()))
    throw new Error("states differ after continuing");
  return `${saved.length} bytes of JSON; continuation bitwise identical`;
}

/** `context` whose sum / max report the typed arrays their passes create to `exclude`. */
function excludingReductions(context: UpdateContext, exclude: (created: number) => void): UpdateContext {
  const counted = <T>(run: () => T): T => {
    let result: T | undefined;
    exclude(
      countTypedArrayAllocations(() => {
        result = run();
      }),
    );
    return result as T;
  };
  return {
    assign: (i, target, value) => context.assign(i, target, value),
    sum: (exprs) => counted(() => context.sum(exprs)),
    max: (exprs) => counted(() => context.max(exprs)),
    select: (indices) => excludingReductions(context.select(indices), exclude),
  };
}

function noAllocation(options: ConformanceOptions, dtype: DType): string {
  const { backend, calls } = countingBackend(options.backend ?? jsBackend);
  const count = () => calls.allocate ?? 0;
  // The transformation directly: update() builds expressions, it allocates no buffer and keeps its state tensors.
  const problem = quadratic(dtype, 7, backend);
  const tx = options.create();
  const params: ParamTensors = {
    names: problem.parameters.map((p) => p.name),
    shapes: problem.parameters.map((p) => p.value.shape),
    tensors: problem.parameters.map((p) => p.value),
  };
  const grads: ParamTensors = { ...params, tensors: problem.parameters.map((p) => p.grad) };
  const state = tx.init(params);
  // Typed arrays update() itself creates; the context's reductions (the library's own passes) excluded.
  let created = 0;
  const measured: GradientTransformation = {
    init: tx.init,
    update(updates, s, p, context) {
      let out: readonly unknown[] = [];
      let inContext = 0;
      const total = countTypedArrayAllocations(() => {
        out = tx.update(
          updates,
          s,
          p,
          excludingReductions(context, (n) => (inContext += n)),
        );
      });
      created += total - inContext;
      if (!Array.isArray(out) || out.length !== params.names.length)
        throw new Error(`update() returned ${String(out)}, expected one Expr per parameter`);
      return out as ReturnType<typeof tx.update>;
    },
  };
  const step = (): void => {
    problem.gradient();
    applyUpdates(params, computeUpdates(measured, grads, state, params));
  };
  step();
  const stateTensors = tensorsOf(state);
  created = 0;
  for (let t = 0; t < 5; t++) step();
  if (created > 0) throw new Error(`update() created ${created} typed arrays / buffers in 5 steps`);
  const after = tensorsOf(state);
  if (after.length !== stateTensors.length || after.some((b, i) => b !== stateTensors[i])) {
    throw new Error("update() replaced state tensors instead of writing into them");
  }
  // And through the Optimizer facade: no tensor is allocated on the backend per step.
  const facade = quadratic(dtype, 7, backend);
  const opt = new Optimizer(options.create(), facade.parameters);
  facade.gradient();
  opt.step();
  const before = count();
  for (let t = 0; t < 5; t++) {
    facade.gradient();
    opt.step();
  }
  if (count() > before) throw new Error(`Optimizer.step() allocated ${count() - before} tensors in 5 steps`);
  return `${stateTensors.length} state tensors kept; update() created no typed array and the steps no tensor in 5 steps`;
}

function rejectsMismatch(options: ConformanceOptions): string {
  const a = quadratic("float64", 7, options.backend);
  const saved = new Optimizer(options.create(), a.parameters).stateDict();
  const renamed = JSON.parse(
    JSON.stringify(saved).replaceAll('"dense.bias"', '"dense.b"'),
  ) as OptimizerStateDict;
  const wrongDtype = quadratic("float32", 7, options.backend);
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

/** A state no transformation made (an object with a stray buffer) is refused with an OptimizerError or ignored, never a TypeError. */
function rejectsForeignState(options: ConformanceOptions): string {
  const problem = quadratic("float64", 7, options.backend);
  const params: ParamTensors = {
    names: problem.parameters.map((p) => p.name),
    shapes: problem.parameters.map((p) => p.value.shape),
    tensors: problem.parameters.map((p) => p.value),
  };
  const grads: ParamTensors = { ...params, tensors: problem.parameters.map((p) => p.grad) };
  const foreign = { foreign: zerosLikeParams(params) };
  try {
    computeUpdates(options.create(), grads, foreign, params);
  } catch (error) {
    const e = error as Error;
    if (!(error instanceof OptimizerError)) {
      throw new Error(
        `update() with another optimizer's state threw ${e.name}: ${e.message}, expected a StateDictError`,
      );
    }
    return `refused: ${e.message}`;
  }
  return "ignored: the transformation reads no state";
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
 * Needs no test framework: call it inside any test, on any backend (`options.backend`).
 *
 * Checks, in float32 and float64: the loss of a convex quadratic falls; the state round-trips through
 * JSON.stringify / parse and the continuation is bitwise identical to never stopping; after the first
 * step, `update()` creates no typed array (see countTypedArrayAllocations), `Optimizer.step()`
 * allocates no tensor on the backend, and the state tensors stay the same objects. Once: loading a
 * state with a renamed parameter or another dtype fails with a StateDictError naming it; another
 * optimizer's state fails with an OptimizerError (not a TypeError); every `invalid` case throws a
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
  run("another optimizer's state is refused with an OptimizerError", () => rejectsForeignState(options));
  run("out-of-range hyperparameters are rejected", () => rejectsHyperparameters(options));
  const report = { name: options.name, checks };
  if (checks.some((c) => !c.passed)) throw new ConformanceError(report);
  return report;
}
