import { jsBackend, parameter, type Tensor } from "@backprop/tensor";
import { countingBackend } from "@backprop/tensor/testing";
import { onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  adam,
  adamw,
  addDecayedWeights,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  clipByValue,
  computeUpdates,
  constantLr,
  cosineAnnealingLr,
  identity,
  linearLr,
  masked,
  Optimizer,
  OptimizerError,
  type ParamTensors,
  paramTensors,
  partition,
  reduceLrOnPlateau,
  StateDictError,
  scaleByAdam,
  scaleByLearningRate,
  sequentialLr,
  sgd,
} from "./index.js";

const backend = await projectBackend();
const { fromArray } = onBackend(backend);

/** Named float64 tensors from plain numbers: `named({ w: [1, 2] })` (shape [length]), on the project's backend. */
function named(record: Record<string, number[] | { values: number[]; shape: number[] }>): ParamTensors {
  const tensors: Record<string, Tensor> = {};
  for (const [name, v] of Object.entries(record)) {
    tensors[name] = Array.isArray(v)
      ? fromArray(v, [v.length], { dtype: "float64" })
      : fromArray(v.values, v.shape, { dtype: "float64" });
  }
  return paramTensors(tensors);
}

const valuesOf = (p: ParamTensors) => p.tensors.map((t) => Array.from(t.read()));

describe("gradient transformations, functional (optax style) on tensors", () => {
  it("plain SGD is the notes' W ← W − η ∇E", () => {
    const params = named({ w: [1, -2, 3] });
    const grads = named({ w: [0.5, 0.5, -1] });
    const tx = sgd({ lr: 0.1 });
    const state = tx.init(params);
    applyUpdates(params, computeUpdates(tx, grads, state, params));
    expect(valuesOf(params)[0]).toEqual([1 - 0.1 * 0.5, -2 - 0.1 * 0.5, 3 + 0.1 * 1]);
    expect(valuesOf(grads)[0]).toEqual([-0.1 * 0.5, -0.1 * 0.5, 0.1 * 1]); // the updates, in place
  });

  it("adamw is chain(scaleByAdam, addDecayedWeights, scaleByLearningRate), bit for bit", () => {
    const run = (tx: ReturnType<typeof adamw>) => {
      const params = named({ w: [1, -2, 3], b: [0.5] });
      const state = tx.init(params);
      for (let t = 0; t < 20; t++) {
        const [w, b] = valuesOf(params);
        const grads = named({ w: w!.map((x) => 2 * x), b: b!.map((x) => x - 1) });
        applyUpdates(params, computeUpdates(tx, grads, state, params));
      }
      return valuesOf(params);
    };
    expect(run(adamw({ lr: 0.01, weightDecay: 0.1 }))).toEqual(
      run(chain(scaleByAdam(), addDecayedWeights(0.1), scaleByLearningRate(0.01))),
    );
  });

  it("masked: no weight decay for biases", () => {
    const params = named({ "0.weight": { values: [1, 2], shape: [1, 2] }, "0.bias": [1] });
    const zero = () => named({ "0.weight": { values: [0, 0], shape: [1, 2] }, "0.bias": [0] });
    const tx = sgd({ lr: 0.5, weightDecay: 0.1, weightDecayMask: (p) => p.shape.length > 1 });
    const state = tx.init(params);
    applyUpdates(params, computeUpdates(tx, zero(), state, params));
    expect(valuesOf(params)).toEqual([[1 - 0.5 * 0.1 * 1, 2 - 0.5 * 0.1 * 2], [1]]);
    expect(masked(addDecayedWeights(0.1), () => true).init(params)).toEqual({ masked: {}, unmasked: {} });
  });

  it("partition: per-group learning rates, state keyed by group", () => {
    const params = named({ a: [1], b: [1], c: [1] });
    const tx = partition({ slow: sgd({ lr: 0.1 }), fast: sgd({ lr: 1 }) }, (p) =>
      p.name === "b" ? "fast" : "slow",
    );
    const state = tx.init(params);
    applyUpdates(params, computeUpdates(tx, named({ a: [1], b: [1], c: [2] }), state, params));
    expect(valuesOf(params).map((x) => x[0])).toEqual([0.9, 0, 0.8]);
    expect(Object.keys(state)).toEqual(["slow", "fast"]);
    expect(() => tx.init(named({ d: [1] }))).not.toThrow();
    expect(() => partition({ x: sgd({ lr: 1 }) }, () => "y").init(params)).toThrow(
      /parameter "a" was labelled "y", which is not one of "x"/,
    );
  });

  it("clipByGlobalNorm scales by maxNorm / (‖g‖ + 1e-6) only above the threshold; clipByValue clamps", () => {
    const g = () => named({ a: [3], b: [4] });
    const clipped = (tx: ReturnType<typeof clipByValue>) => {
      const params = g();
      return valuesOf(computeUpdates(tx, g(), tx.init(params), params)).map((x) => x[0]);
    };
    expect(clipped(clipByGlobalNorm({ maxNorm: 1 }))).toEqual([3 * (1 / (5 + 1e-6)), 4 * (1 / (5 + 1e-6))]);
    expect(clipped(clipByGlobalNorm({ maxNorm: 10 }))).toEqual([3, 4]);
    expect(clipped(clipByGlobalNorm({ maxNorm: 2, normType: "inf" }))).toEqual([
      3 * (2 / (4 + 1e-6)),
      4 * (2 / (4 + 1e-6)),
    ]);
    expect(clipped(clipByValue({ clipValue: 3.5 }))).toEqual([3, 3.5]);
  });

  it("a clip inside a partition group sees that group's norm only", () => {
    const params = named({ a: [3], b: [4], c: [100] });
    const tx = partition({ clipped: clipByGlobalNorm({ maxNorm: 1 }), free: identity() }, (p) =>
      p.name === "c" ? "free" : "clipped",
    );
    const u = valuesOf(computeUpdates(tx, named({ a: [3], b: [4], c: [100] }), tx.init(params), params));
    expect(u.map((x) => x[0])).toEqual([3 * (1 / (5 + 1e-6)), 4 * (1 / (5 + 1e-6)), 100]);
  });
});

describe("applyUpdates and computeUpdates refuse mismatched tensors, naming the parameter", () => {
  it("on another name, count or shape (on main this wrote NaN)", () => {
    const params = named({ w: [1, 2] });
    expect(() => applyUpdates(params, named({ x: [1, 2] }))).toThrow(
      'applyUpdates: update 0 is "x", the parameter there is "w"',
    );
    expect(() => applyUpdates(params, named({ w: [1] }))).toThrow(
      `applyUpdates: parameter "w": update is float64[1] on ${backend.name}, the parameter float64[2] on ${backend.name}`,
    );
    expect(() => applyUpdates(params, named({ w: [1, 2], b: [3] }))).toThrow(
      'applyUpdates: update has 2 tensors ("w", "b"), the parameters 1 ("w")',
    );
    expect(() => computeUpdates(sgd({ lr: 1 }), named({ v: [1, 2] }), {}, params)).toThrow(OptimizerError);
    expect(valuesOf(params)).toEqual([[1, 2]]);
  });
});

describe("a transformation fed another's state fails with a StateDictError naming the state", () => {
  it("adam given SGD's state, a chain given a state of the wrong length, adam given nothing", () => {
    const params = named({ w: [1, 2] });
    const grads = () => named({ w: [0.5, 0.5] });
    const momentum = sgd({ lr: 0.1, momentum: 0.9 }).init(params);
    expect(() => computeUpdates(adam(), grads(), momentum, params)).toThrow(StateDictError);
    expect(() => computeUpdates(adam(), grads(), momentum, params)).toThrow(
      "scaleByAdam: update() was given a state that is not a scaleByAdam state: expected { count, mu, nu, nuMax }, got { count, trace }",
    );
    expect(() => computeUpdates(adam(), grads(), sgd({ lr: 0.1 }).init(params), params)).toThrow(
      "adam: update() was given a state that is not a adam state: expected a list of 2 states, got a list of 1",
    );
    expect(() => computeUpdates(adam(), grads(), undefined, params)).toThrow(StateDictError);
    expect(() =>
      computeUpdates(
        masked(adam(), () => true),
        grads(),
        {},
        params,
      ),
    ).toThrow(StateDictError);
  });
});

describe("Optimizer facade", () => {
  const model = () => [parameter("w", fromArray([1, 2], [2])), parameter("b", fromArray([0], [1]))];

  it("steps, zeroes grads and takes a re-created parameter list with the same names", () => {
    const ps = model();
    const opt = new Optimizer(sgd({ lr: 0.5 }), ps);
    ps[0]!.grad.write([1, 1]);
    opt.step();
    expect(Array.from(ps[0]!.value.read())).toEqual([0.5, 1.5]);
    opt.zeroGrad();
    expect(Array.from(ps[0]!.grad.read())).toEqual([0, 0]);
    const again = ps.map((p) => parameter(p.name, p.value, p.grad));
    again[1]!.grad.write([2]);
    opt.step(again);
    expect(opt.parameters).toBe(again);
    expect(Array.from(again[1]!.value.read())).toEqual([-1]);
    expect(() => opt.step([again[1]!, again[0]!])).toThrow(
      'Optimizer.step: parameter 0 is "b", expected "w"',
    );
    expect(() => opt.step([again[0]!])).toThrow("got 1 parameters, this optimizer has 2");
    expect(() => opt.step([parameter("w", fromArray([1, 2], [1, 2])), again[1]!])).toThrow(
      /"w" changed shape or dtype/,
    );
    expect(() => new Optimizer(sgd({ lr: 1 }), [...model(), parameter("w", fromArray([1], [1]))])).toThrow(
      /two parameters are named "w"/,
    );
  });

  it("zeroGrad runs no pass, and a gradient nobody wrote since reads as zero in the next step", () => {
    const { backend, calls } = countingBackend(jsBackend);
    const w = parameter("w", fromArray([1, 2], [2], { backend }));
    const opt = new Optimizer(sgd({ lr: 0.5 }), [w]);
    w.grad.write([4, 4]);
    const before = calls.elementwise ?? 0;
    opt.zeroGrad();
    expect(calls.elementwise ?? 0).toBe(before);
    opt.step();
    expect(Array.from(w.value.read())).toEqual([1, 2]);
  });
});

describe("schedules on their own", () => {
  it("lrAt(t) is pure; step() / getLr() / stateDict() are the stateful view", () => {
    const warmupCosine = sequentialLr({
      schedules: [
        linearLr({ lr: 0.1, startFactor: 0.1, totalIters: 5 }),
        cosineAnnealingLr({ lr: 0.1, tMax: 10 }),
      ],
      milestones: [5],
    });
    expect(warmupCosine.lrAt(0)).toBeCloseTo(0.01, 15);
    expect(warmupCosine.lrAt(5)).toBe(0.1);
    expect(warmupCosine.lrAt(15)).toBeCloseTo(0, 15);
    for (let t = 0; t < 3; t++) warmupCosine.step();
    expect(warmupCosine.getLr()).toBe(warmupCosine.lrAt(3));
    expect(warmupCosine.stateDict()).toEqual({ step: 3 });
    warmupCosine.loadStateDict({ step: 7 });
    expect(warmupCosine.getLr()).toBe(warmupCosine.lrAt(7));
    expect(() => warmupCosine.loadStateDict({ step: -1 })).toThrow(
      /saved state must be \{ step: integer ≥ 0 \}/,
    );
    expect(constantLr({ lr: 0.3 }).lrAt(1000)).toBe(0.3);
  });

  it("reduceLrOnPlateau needs its metric", () => {
    const plateau = reduceLrOnPlateau({ lr: 0.1, patience: 0 });
    expect(() => plateau.step()).toThrow(
      "reduceLrOnPlateau: step(metric) needs the metric it watches, got undefined",
    );
    plateau.step(1);
    plateau.step(1);
    expect(plateau.getLr()).toBeCloseTo(0.01, 15);
  });
});
