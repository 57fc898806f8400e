import {
  type Backend,
  createJsBackend,
  type DType,
  fromArray,
  jsBackend,
  type Parameter,
  parameter,
  Rng,
  randomNormal,
} from "@backprop/tensor";
import { expectProjectBackend, normwiseError, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  adadelta,
  adagrad,
  adam,
  adamax,
  adamw,
  chain,
  clipByGlobalNorm,
  cosineAnnealingLr,
  decodeNumber,
  type GradientTransformation,
  type JsonValue,
  lion,
  masked,
  nadam,
  Optimizer,
  OptimizerError,
  type OptimizerStateDict,
  rmsprop,
  type StepSchedule,
  sgd,
  stepLr,
} from "./index.js";
import { countingBackend } from "./testing/index.js";

/*
 * Every optimizer on the test project's backend (js, wasm or opaque) against the same optimizer on the
 * JS backend, float32. The wasm backend evaluates float32 programs in float32 SIMD, so parameters and
 * state must agree to 1e-5 of their scale (max_j |a_j − e_j| / max_j |e_j|) after every one of 6
 * steps: a few float32 roundings per step (ε ≈ 6e-8) stay far below it, while a wrong formula, bias
 * correction or step count is off by ≥ 1e-3. On js and opaque (the JS kernels underneath) they agree
 * bitwise, which the same bound accepts.
 */
const TOLERANCE = 1e-5;
const STEPS = 6;
const backend = await projectBackend();

/** A weight [6, 5] and a bias [5] on `on`, the same values on every backend. */
function model(on: Backend, dtype: DType = "float32"): Parameter[] {
  const weight = randomNormal([6, 5], new Rng(1), { dtype });
  const bias = randomNormal([5], new Rng(2), { dtype });
  return [
    parameter("0.weight", fromArray(weight.read(), weight.shape, { backend: on })),
    parameter("0.bias", fromArray(bias.read(), bias.shape, { backend: on })),
  ];
}

/** Seeded N(0, 1) gradients for step t. */
function fillGrads(params: readonly Parameter[], t: number): void {
  const rng = new Rng(100 + t);
  for (const p of params) p.grad.write(Array.from({ length: p.grad.size }, () => rng.normal()));
}

/** Every per-parameter array of a state dict, by path ("state[2]/mu/0.weight"), and every scalar. */
function flatten(value: JsonValue, path = "state", out = new Map<string, number[]>()): Map<string, number[]> {
  if (Array.isArray(value) && value.every((v) => typeof v === "number" || typeof v === "string")) {
    out.set(
      path,
      value.map((v, j) => decodeNumber(v, `${path}[${j}]`)),
    );
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      flatten(v, `${path}[${i}]`, out);
    });
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) flatten(v, `${path}/${k}`, out);
  } else if (typeof value === "number") {
    out.set(path, [value]);
  }
  return out;
}

function expectSameState(actual: OptimizerStateDict, expected: OptimizerStateDict): void {
  expect(actual.step).toBe(expected.step);
  expect(actual.params).toEqual(expected.params);
  expect(actual.optimizer).toEqual(expected.optimizer);
  const a = flatten(actual.state);
  const e = flatten(expected.state);
  expect([...a.keys()]).toEqual([...e.keys()]);
  for (const [path, values] of e) {
    expect(a.get(path)!.length, path).toBe(values.length);
    expect(normwiseError(a.get(path)!, values), path).toBeLessThan(TOLERANCE);
  }
}

interface Case {
  name: string;
  /** The transformation, given the case's schedule when it has one. */
  create: (schedule?: StepSchedule) => GradientTransformation;
  /** A new learning-rate schedule, which the loop advances after every step. */
  schedule?: () => StepSchedule;
}

const cases: Case[] = [
  { name: "sgd", create: () => sgd({ lr: 0.1 }) },
  { name: "sgd momentum, weight decay", create: () => sgd({ lr: 0.05, momentum: 0.9, weightDecay: 0.01 }) },
  { name: "sgd nesterov", create: () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true }) },
  { name: "sgd dampening", create: () => sgd({ lr: 0.05, momentum: 0.9, dampening: 0.3 }) },
  { name: "sgd maximize", create: () => sgd({ lr: 0.05, momentum: 0.5, maximize: true }) },
  { name: "adam", create: () => adam({ lr: 0.01 }) },
  {
    name: "adam L2, betas, eps",
    create: () => adam({ lr: 0.01, weightDecay: 0.1, betas: [0.8, 0.99], eps: 1e-6 }),
  },
  { name: "adam amsgrad", create: () => adam({ lr: 0.01, amsgrad: true }) },
  { name: "adamw", create: () => adamw({ lr: 0.01 }) },
  {
    name: "adamw weight-decay mask",
    create: () => adamw({ lr: 0.01, weightDecay: 0.1, weightDecayMask: (p) => p.shape.length > 1 }),
  },
  { name: "rmsprop", create: () => rmsprop({ lr: 0.01, momentum: 0.9, centered: true }) },
  { name: "adagrad", create: () => adagrad({ lr: 0.1 }) },
  { name: "adamax", create: () => adamax({ lr: 0.01 }) },
  { name: "nadam", create: () => nadam({ lr: 0.01 }) },
  { name: "adadelta", create: () => adadelta({ lr: 1 }) },
  { name: "lion", create: () => lion({ lr: 0.001, weightDecay: 0.1 }) },
  { name: "chain(clipByGlobalNorm, adam)", create: () => chain(clipByGlobalNorm({ maxNorm: 1 }), adam()) },
  {
    name: "chain(clipByGlobalNorm inf, sgd)",
    create: () => chain(clipByGlobalNorm({ maxNorm: 0.5, normType: "inf" }), sgd({ lr: 0.1, momentum: 0.9 })),
  },
  {
    name: "sgd with a cosine schedule",
    create: (lr) => sgd({ lr: lr!, momentum: 0.9 }),
    schedule: () => cosineAnnealingLr({ lr: 0.05, tMax: 4 }),
  },
  {
    name: "adamw with a step schedule",
    create: (lr) => adamw({ lr: lr! }),
    schedule: () => stepLr({ lr: 0.05, stepSize: 2, gamma: 0.5 }),
  },
];

/** `STEPS` steps of `c` on `on`: the parameters after each step and the final state dict. */
function train(c: Case, on: Backend): { params: Float64Array[][]; state: OptimizerStateDict } {
  const params = model(on);
  const schedule = c.schedule?.();
  const opt = new Optimizer(c.create(schedule), params);
  const history: Float64Array[][] = [];
  for (let t = 0; t < STEPS; t++) {
    fillGrads(params, t);
    opt.step();
    schedule?.step();
    history.push(params.map((p) => Float64Array.from(p.value.read())));
  }
  return { params: history, state: opt.stateDict() };
}

it("runs on the test project's backend", () => {
  expectProjectBackend(model(backend)[0]!.value.backend);
});

describe(`optimizers on the ${backend.name} backend agree with the JS backend (float32, 1e-5 of the scale)`, () => {
  for (const c of cases) {
    it(c.name, () => {
      const expected = train(c, jsBackend);
      const actual = train(c, backend);
      expected.params.forEach((step, t) => {
        step.forEach((values, i) => {
          expect(normwiseError(actual.params[t]![i]!, values), `step ${t + 1}, parameter ${i}`).toBeLessThan(
            TOLERANCE,
          );
        });
      });
      expectSameState(actual.state, expected.state);
    });
  }
});

describe("every optimizer and composition runs as one elementwise pass per parameter", () => {
  const passes: [string, () => GradientTransformation, number][] = [
    ["adam", () => adam({ lr: 0.01 }), 1],
    [
      "adamw with a mask (a partition)",
      () => adamw({ lr: 0.01, weightDecayMask: (p) => p.shape.length > 1 }),
      1,
    ],
    ["sgd nesterov", () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true }), 1],
    [
      "chain(clipByGlobalNorm, adam): + the norm's pass",
      () => chain(clipByGlobalNorm({ maxNorm: 1 }), adam()),
      2,
    ],
    ["masked lion", () => masked(lion({ lr: 1e-3 }), (p) => p.name.endsWith(".weight")), 1],
  ];
  for (const [name, create, perParameter] of passes) {
    it(name, () => {
      const counted = countingBackend(backend);
      const params = model(counted.backend);
      const opt = new Optimizer(create(), params);
      fillGrads(params, 0);
      opt.step();
      const before = counted.calls.elementwise!;
      opt.step();
      expect(counted.calls.elementwise! - before).toBe(perParameter * params.length);
    });
  }
});

describe("checkedStep: the step, and which gradients or new values are not finite, from the same passes", () => {
  it("applies exactly what step() applies, reports none, and makes no pass of its own", () => {
    const counted = countingBackend(backend);
    const plain = model(backend);
    const checked = model(counted.backend);
    const optPlain = new Optimizer(adam({ lr: 0.01 }), plain);
    const optChecked = new Optimizer(adam({ lr: 0.01 }), checked);
    for (let t = 0; t < 3; t++) {
      fillGrads(plain, t);
      fillGrads(checked, t);
      optPlain.step();
      const before = counted.calls.elementwise ?? 0;
      expect(optChecked.checkedStep()).toEqual([]);
      expect(counted.calls.elementwise! - before).toBe(checked.length);
    }
    expect(checked.map((p) => Array.from(p.value.read()))).toEqual(
      plain.map((p) => Array.from(p.value.read())),
    );
    expect(optChecked.stateDict()).toEqual(optPlain.stateDict());
  });

  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    it(`reports the parameter whose gradient holds ${bad}, and only it`, () => {
      const params = model(backend);
      const opt = new Optimizer(sgd({ lr: 0.1 }), params);
      fillGrads(params, 0);
      params[1]!.grad.write([bad], 3);
      expect(opt.checkedStep()).toEqual([1]);
      expect(opt.stepCount).toBe(1);
      fillGrads(params, 1);
      params[0]!.grad.write([bad], 29);
      expect(opt.checkedStep()).toEqual([0, 1]); // 0: its gradient; 1: its value, NaN since the last step
    });
  }

  it("flags a float32 value exactly when it is stored as ±∞, at the rounding boundary too", () => {
    const largest = 2 ** 128 - 2 ** 104; // the largest float32
    for (const [push, flagged] of [
      [2 ** 102, false], // largest + 2¹⁰² rounds back to the largest float32
      [2 ** 103, true], // largest + 2¹⁰³ is the tie, which rounds to even: +∞
    ] as const) {
      const [w] = model(backend);
      w!.value.write([largest], 0);
      const opt = new Optimizer(sgd({ lr: 1 }), [w!]);
      w!.grad.write(Array.from({ length: w!.grad.size }, (_, j) => (j === 0 ? -push : 0)));
      expect(opt.checkedStep()).toEqual(flagged ? [0] : []);
      expect(w!.value.read()[0]).toBe(flagged ? Number.POSITIVE_INFINITY : largest);
    }
  });

  it("reports a new value that overflows from a finite gradient", () => {
    const params = model(backend);
    const opt = new Optimizer(sgd({ lr: 1e30 }), params);
    fillGrads(params, 0);
    params[0]!.grad.write([1e10], 0);
    expect(opt.checkedStep()).toEqual([0]);
    expect(params[0]!.value.read()[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(params[0]!.grad.read().every(Number.isFinite)).toBe(true);
  });
});

describe("the state lives with the parameters", () => {
  it("a JS-backend state dict loads on this backend and continues within tolerance (and back)", () => {
    const create = () => adamw({ lr: cosineAnnealingLr({ lr: 0.01, tMax: 10 }) });
    const js = model(jsBackend);
    const optJs = new Optimizer(create(), js);
    for (let t = 0; t < 3; t++) {
      fillGrads(js, t);
      optJs.step();
    }
    const here = model(backend);
    here.forEach((p, i) => {
      p.value.write(js[i]!.value.read());
    });
    const optHere = new Optimizer(create(), here);
    optHere.loadStateDict(optJs.stateDict());
    for (let t = 3; t < 6; t++) {
      fillGrads(js, t);
      fillGrads(here, t);
      optJs.step();
      optHere.step();
    }
    here.forEach((p, i) => {
      expect(normwiseError(p.value.read(), js[i]!.value.read())).toBeLessThan(TOLERANCE);
    });
    expectSameState(optHere.stateDict(), optJs.stateDict());
    const back = new Optimizer(create(), model(jsBackend));
    back.loadStateDict(optHere.stateDict());
    expect(back.stateDict()).toEqual(optHere.stateDict());
  });

  it("float64 on this backend gives exactly the JS backend's float64 results", () => {
    const [a, b] = [model(jsBackend, "float64"), model(backend, "float64")];
    const [optA, optB] = [new Optimizer(adam({ lr: 0.01 }), a), new Optimizer(adam({ lr: 0.01 }), b)];
    for (let t = 0; t < 3; t++) {
      fillGrads(a, t);
      fillGrads(b, t);
      optA.step();
      optB.step();
    }
    expect(optB.stateDict()).toEqual(optA.stateDict());
  });

  it("step(parameters) rebinds on the same backend, and refuses parameters moved to another one", () => {
    const params = model(backend);
    const opt = new Optimizer(adam({ lr: 0.01 }), params);
    fillGrads(params, 0);
    opt.step();
    const rebuilt = params.map((p) => parameter(p.name, p.value));
    fillGrads(rebuilt, 1);
    opt.step(rebuilt);
    expect(opt.stepCount).toBe(2);
    const elsewhere = createJsBackend();
    expect(() => opt.step(model(elsewhere))).toThrow(OptimizerError);
    expect(() => opt.step(model(elsewhere))).toThrow(
      `parameter "0.weight" moved from backend ${backend.name} to js, where this optimizer's state does not live`,
    );
  });

  it("refuses a gradient on another backend than its value, naming the parameter", () => {
    const [w] = model(backend);
    const stray = parameter(
      "w",
      w!.value,
      fromArray(new Float32Array(30), [6, 5], { backend: createJsBackend() }),
    );
    expect(() => new Optimizer(sgd({ lr: 1 }), [stray])).toThrow(
      `Optimizer: parameter "w": grad is on backend js, value on ${backend.name}`,
    );
  });
});
