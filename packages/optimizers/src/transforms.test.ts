import { fromArray, parameter } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import {
  adamw,
  addDecayedWeights,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  clipByValue,
  constantLr,
  cosineAnnealingLr,
  linearLr,
  masked,
  Optimizer,
  paramArrays,
  partition,
  reduceLrOnPlateau,
  scaleByAdam,
  scaleByLearningRate,
  sequentialLr,
  sgd,
} from "./index.js";

describe("gradient transformations on plain typed arrays", () => {
  it("plain SGD is the notes' W ← W − η ∇E", () => {
    const params = paramArrays({ w: new Float64Array([1, -2, 3]) });
    const grads = paramArrays({ w: new Float64Array([0.5, 0.5, -1]) });
    const tx = sgd({ lr: 0.1 });
    const state = tx.init(params);
    applyUpdates(params, tx.update(grads, state, params));
    expect(Array.from(params.arrays[0]!)).toEqual([1 - 0.1 * 0.5, -2 - 0.1 * 0.5, 3 + 0.1 * 1]);
  });

  it("adamw is chain(scaleByAdam, addDecayedWeights, scaleByLearningRate), bit for bit", () => {
    const run = (tx: ReturnType<typeof adamw>) => {
      const params = paramArrays({ w: new Float64Array([1, -2, 3]), b: new Float64Array([0.5]) });
      const state = tx.init(params);
      for (let t = 0; t < 20; t++) {
        const grads = paramArrays({
          w: params.arrays[0]!.map((x) => 2 * x),
          b: params.arrays[1]!.map((x) => x - 1),
        });
        applyUpdates(params, tx.update(grads, state, params));
      }
      return params.arrays.map((a) => Array.from(a));
    };
    expect(run(adamw({ lr: 0.01, weightDecay: 0.1 }))).toEqual(
      run(chain(scaleByAdam(), addDecayedWeights(0.1), scaleByLearningRate(0.01))),
    );
  });

  it("masked: no weight decay for biases", () => {
    const params = paramArrays({
      "0.weight": { data: new Float64Array([1, 2]), shape: [1, 2] },
      "0.bias": new Float64Array([1]),
    });
    const zero = () => paramArrays({ "0.weight": new Float64Array(2), "0.bias": new Float64Array(1) });
    const tx = sgd({ lr: 0.5, weightDecay: 0.1, weightDecayMask: (p) => p.shape.length > 1 });
    const state = tx.init(params);
    applyUpdates(params, tx.update(zero(), state, params));
    expect(Array.from(params.arrays[0]!)).toEqual([1 - 0.5 * 0.1 * 1, 2 - 0.5 * 0.1 * 2]);
    expect(Array.from(params.arrays[1]!)).toEqual([1]);
    expect(masked(addDecayedWeights(0.1), () => true).init(params)).toEqual({ masked: {}, unmasked: {} });
  });

  it("partition: per-group learning rates, state keyed by group", () => {
    const params = paramArrays({
      a: new Float64Array([1]),
      b: new Float64Array([1]),
      c: new Float64Array([1]),
    });
    const tx = partition({ slow: sgd({ lr: 0.1 }), fast: sgd({ lr: 1 }) }, (p) =>
      p.name === "b" ? "fast" : "slow",
    );
    const state = tx.init(params);
    applyUpdates(
      params,
      tx.update(
        paramArrays({ a: new Float64Array([1]), b: new Float64Array([1]), c: new Float64Array([2]) }),
        state,
        params,
      ),
    );
    expect(params.arrays.map((x) => x[0])).toEqual([0.9, 0, 0.8]);
    expect(Object.keys(state)).toEqual(["slow", "fast"]);
    expect(() => tx.init(paramArrays({ d: new Float64Array(1) }))).not.toThrow();
    expect(() => partition({ x: sgd({ lr: 1 }) }, () => "y").init(params)).toThrow(
      /parameter "a" was labelled "y", which is not one of "x"/,
    );
  });

  it("clipByGlobalNorm scales by maxNorm / (‖g‖ + 1e-6) only above the threshold; clipByValue clamps", () => {
    const g = () => paramArrays({ a: new Float64Array([3]), b: new Float64Array([4]) });
    const clip = clipByGlobalNorm({ maxNorm: 1 });
    const clipped = clip.update(g(), clip.init(g()), g());
    expect(clipped.arrays.map((x) => x[0])).toEqual([3 * (1 / (5 + 1e-6)), 4 * (1 / (5 + 1e-6))]);
    const loose = clipByGlobalNorm({ maxNorm: 10 });
    expect(loose.update(g(), {}, g()).arrays.map((x) => x[0])).toEqual([3, 4]);
    const inf = clipByGlobalNorm({ maxNorm: 2, normType: "inf" });
    expect(inf.update(g(), {}, g()).arrays.map((x) => x[0])).toEqual([
      3 * (2 / (4 + 1e-6)),
      4 * (2 / (4 + 1e-6)),
    ]);
    expect(
      clipByValue({ clipValue: 3.5 })
        .update(g(), {}, g())
        .arrays.map((x) => x[0]),
    ).toEqual([3, 3.5]);
  });
});

describe("Optimizer facade", () => {
  const model = () => [parameter("w", fromArray([1, 2], [2])), parameter("b", fromArray([0], [1]))];

  it("steps, zeroes grads and takes a re-created parameter list with the same names", () => {
    const ps = model();
    const opt = new Optimizer(sgd({ lr: 0.5 }), ps);
    ps[0]!.grad.data.set([1, 1]);
    opt.step();
    expect(Array.from(ps[0]!.value.data)).toEqual([0.5, 1.5]);
    opt.zeroGrad();
    expect(Array.from(ps[0]!.grad.data)).toEqual([0, 0]);
    const again = ps.map((p) => parameter(p.name, p.value, p.grad));
    again[1]!.grad.data.set([2]);
    opt.step(again);
    expect(opt.parameters).toBe(again);
    expect(Array.from(again[1]!.value.data)).toEqual([-1]);
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
