import { parameter } from "@backprop/tensor";
import { normwiseError, onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import optimizerFixtures from "../fixtures/optimizers.json";
import scheduleFixtures from "../fixtures/schedules.json";
import {
  adadelta,
  adagrad,
  adam,
  adamax,
  adamw,
  chain,
  createOptimizerRegistry,
  type GradientTransformation,
  type JsonObject,
  lion,
  nadam,
  Optimizer,
  rmsprop,
  type Spec,
  type StepSchedule,
  sgd,
} from "./index.js";

/*
 * PyTorch reference fixtures, made by fixtures/generate.py with Debian's python3-torch (float64,
 * 100 steps per optimizer case, 120 per schedule case). Gradients are replayed from the fixture, so each
 * step compares the parameters after exactly the update torch made.
 *
 * Parameters are compared per tensor and per step by the normwise relative error
 * max_j |θ_j − θ*_j| / max_j |θ*_j| < 1e-12: an element passing through zero (θ* ≈ 1e-4 as the difference
 * of O(1) terms) legitimately differs from torch in its last couple of ulps *of those terms*, which
 * elementwise would read as ~2e-12 relative. Learning rates are compared elementwise. The parameters and
 * the optimizer state live on the test project's backend (js, wasm or opaque): float64 expressions are
 * evaluated in double arithmetic in the same order on each.
 */

interface OptimizerCase {
  name: string;
  optimizer: string;
  options: JsonObject;
  clip?: Spec;
  schedule?: Spec;
  initial: number[][];
  grads: number[][][];
  params: number[][][];
}
interface ScheduleCase {
  name: string;
  schedule: Spec;
  lrs: number[];
  metrics?: number[];
}

const opt = optimizerFixtures as {
  names: string[];
  shapes: number[][];
  steps: number;
  cases: OptimizerCase[];
};
const sched = scheduleFixtures as { steps: number; cases: ScheduleCase[] };
const TOLERANCE = 1e-12;
const backend = await projectBackend();
const { fromArray } = onBackend(backend);

const factories: Record<string, (options: never) => GradientTransformation> = {
  sgd,
  adam,
  adamw,
  rmsprop,
  adagrad,
  adamax,
  nadam,
  adadelta,
  lion,
};

function relativeError(actual: number, expected: number): number {
  return actual === expected ? 0 : Math.abs(actual - expected) / Math.abs(expected);
}

describe("optimizers match PyTorch (float64, normwise relative error < 1e-12 at every step)", () => {
  it("has fixtures for every optimizer, with at least 100 steps each", () => {
    expect(new Set(opt.cases.map((c) => c.optimizer))).toEqual(new Set(Object.keys(factories)));
    for (const c of opt.cases) expect(c.params.length).toBeGreaterThanOrEqual(100);
  });

  for (const c of opt.cases) {
    it(c.name, () => {
      const registry = createOptimizerRegistry();
      const params = opt.names.map((name, i) =>
        parameter(name, fromArray(Float64Array.from(c.initial[i]!), opt.shapes[i]!)),
      );
      const schedule =
        c.schedule === undefined ? undefined : (registry.createSchedule(c.schedule) as StepSchedule);
      const options = schedule === undefined ? c.options : { ...c.options, lr: schedule };
      const tx = factories[c.optimizer]!(options as never);
      const optimizer = new Optimizer(c.clip === undefined ? tx : chain(registry.create(c.clip), tx), params);
      let worst = 0;
      c.grads.forEach((grads, t) => {
        params.forEach((p, i) => {
          p.grad.write(grads[i]!);
        });
        optimizer.step();
        schedule?.step();
        params.forEach((p, i) => {
          worst = Math.max(worst, normwiseError(p.value.read(), c.params[t]![i]!));
        });
      });
      expect(worst).toBeLessThan(TOLERANCE);
    });
  }
});

describe("schedules match PyTorch's LR schedulers (relative error < 1e-12 over 120 steps)", () => {
  for (const c of sched.cases) {
    it(c.name, () => {
      const schedule = createOptimizerRegistry().createSchedule(c.schedule);
      const lrs = [schedule.getLr()];
      for (let t = 0; t < sched.steps; t++) {
        schedule.step(c.metrics?.[t]);
        lrs.push(schedule.getLr());
      }
      const worst = Math.max(...lrs.map((lr, t) => relativeError(lr, c.lrs[t]!)));
      expect(worst).toBeLessThan(TOLERANCE);
      const lrAt = (schedule as Partial<StepSchedule>).lrAt;
      if (lrAt !== undefined) {
        lrs.forEach((lr, t) => {
          expect(lrAt(t)).toBe(lr);
        });
      }
    });
  }
});
