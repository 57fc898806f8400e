import { mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
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
  zeros,
} from "@backprop/tensor";
import { createWasmBackend, type WasmBackend } from "@backprop/tensor-wasm";
import { normwiseError } from "@backprop/test-kit";
import { beforeAll, describe, expect, it, vi } from "vitest";
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
  nadam,
  Optimizer,
  OptimizerError,
  type OptimizerStateDict,
  rmsprop,
  type StepSchedule,
  sgd,
  stepLr,
} from "./index.js";

/*
 * Every optimizer on the JS backend and on the WebAssembly SIMD backend (float32 both). On wasm, SGD,
 * Adam and AdamW without maximize / dampening / AMSGrad / a weight-decay mask run the backend's fused
 * sgdStep / adamStep kernels (float32 SIMD, their own rounding order); everything else runs the same
 * typed-array chain as on the JS backend. Parameters and state must agree to 1e-5 of their scale
 * (max_j |wasm_j − js_j| / max_j |js_j|) after every one of 6 steps: a few float32 roundings per step
 * (ε ≈ 6e-8; observed ≤ 3.2e-7) stay far below it, while a wrong formula, bias correction or step
 * count is off by ≥ 1e-3.
 */
const TOLERANCE = 1e-5;
const STEPS = 6;

let wasm: WasmBackend;
beforeAll(async () => {
  wasm = await createWasmBackend({ relaxed: false });
});

/**
 * A weight [6, 5] and a bias [5] on `backend`, the same values on every backend (drawn on jsBackend
 * in either test project: fromArray on jsBackend wraps what it is given, which must not be a
 * view of wasm memory).
 */
function model(backend: Backend, dtype: DType = "float32"): Parameter[] {
  const weight = randomNormal([6, 5], new Rng(1), { dtype, backend: jsBackend });
  const bias = randomNormal([5], new Rng(2), { dtype, backend: jsBackend });
  return [
    parameter("0.weight", fromArray(weight.data, weight.shape, { backend })),
    parameter("0.bias", fromArray(bias.data, bias.shape, { backend })),
  ];
}

/** Seeded N(0, 1) gradients for step t. */
function fillGrads(params: readonly Parameter[], t: number): void {
  const rng = new Rng(100 + t);
  for (const p of params) {
    const g = p.grad.data;
    for (let j = 0; j < g.length; j++) g[j] = rng.normal();
  }
}

/** Every per-parameter array of a state dict, by path ("state[2].mu/0.weight"), and every scalar. */
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
  /** The fused kernel the wasm backend runs, or undefined when the chain runs. */
  kernel?: "sgdStep" | "adamStep";
  /** A new learning-rate schedule, which the loop advances after every step. */
  schedule?: () => StepSchedule;
}

const cases: Case[] = [
  { name: "sgd", create: () => sgd({ lr: 0.1 }), kernel: "sgdStep" },
  {
    name: "sgd momentum, weight decay",
    create: () => sgd({ lr: 0.05, momentum: 0.9, weightDecay: 0.01 }),
    kernel: "sgdStep",
  },
  { name: "sgd nesterov", create: () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true }), kernel: "sgdStep" },
  { name: "sgd dampening", create: () => sgd({ lr: 0.05, momentum: 0.9, dampening: 0.3 }) },
  { name: "sgd maximize", create: () => sgd({ lr: 0.05, momentum: 0.5, maximize: true }) },
  { name: "adam", create: () => adam({ lr: 0.01 }), kernel: "adamStep" },
  {
    name: "adam L2, betas, eps",
    create: () => adam({ lr: 0.01, weightDecay: 0.1, betas: [0.8, 0.99], eps: 1e-6 }),
    kernel: "adamStep",
  },
  { name: "adam amsgrad", create: () => adam({ lr: 0.01, amsgrad: true }) },
  { name: "adam maximize", create: () => adam({ lr: 0.01, maximize: true }) },
  { name: "adamw", create: () => adamw({ lr: 0.01 }), kernel: "adamStep" },
  { name: "adamw λ = 0", create: () => adamw({ lr: 0.01, weightDecay: 0 }), kernel: "adamStep" },
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
];
// Scheduled learning rates: the fused step reads η from the schedule at every step, as the chain does.
for (const [kernel, build] of [
  ["sgdStep", (lr: StepSchedule) => sgd({ lr, momentum: 0.9 })],
  ["adamStep", (lr: StepSchedule) => adamw({ lr })],
] as const) {
  const schedules = {
    cosine: () => cosineAnnealingLr({ lr: 0.05, tMax: 4 }),
    step: () => stepLr({ lr: 0.05, stepSize: 2, gamma: 0.5 }),
  };
  for (const [name, schedule] of Object.entries(schedules)) {
    cases.push({
      name: `${kernel === "sgdStep" ? "sgd" : "adamw"} with a ${name} schedule`,
      create: (lr) => build(lr!),
      kernel,
      schedule,
    });
  }
}

/** `STEPS` steps of `c` on `backend`: the parameters after each step and the final state dict. */
function train(c: Case, backend: Backend): { params: Float32Array[][]; state: OptimizerStateDict } {
  const params = model(backend);
  const schedule = c.schedule?.();
  const opt = new Optimizer(c.create(schedule), params);
  const history: Float32Array[][] = [];
  for (let t = 0; t < STEPS; t++) {
    fillGrads(params, t);
    opt.step();
    schedule?.step();
    history.push(params.map((p) => Float32Array.from(p.value.data)));
  }
  return { params: history, state: opt.stateDict() };
}

describe("optimizers on the wasm backend agree with the JS backend (float32, 1e-5 of the scale)", () => {
  for (const c of cases) {
    it(`${c.name}${c.kernel === undefined ? " (typed-array chain)" : ` (fused ${c.kernel})`}`, () => {
      const sgdStep = vi.spyOn(wasm, "sgdStep");
      const adamStep = vi.spyOn(wasm, "adamStep");
      try {
        const expected = train(c, jsBackend);
        const actual = train(c, wasm);
        expect(sgdStep).toHaveBeenCalledTimes(c.kernel === "sgdStep" ? 2 * STEPS : 0);
        expect(adamStep).toHaveBeenCalledTimes(c.kernel === "adamStep" ? 2 * STEPS : 0);
        expected.params.forEach((step, t) => {
          step.forEach((values, i) => {
            expect(
              normwiseError(actual.params[t]![i]!, values),
              `step ${t + 1}, parameter ${i}`,
            ).toBeLessThan(TOLERANCE);
          });
        });
        expectSameState(actual.state, expected.state);
      } finally {
        sgdStep.mockRestore();
        adamStep.mockRestore();
      }
    });
  }
});

describe("the fused path keeps the Optimizer's state semantics", () => {
  const fused = [
    ["adam", () => adam({ lr: 0.01, weightDecay: 0.01 })],
    ["adamw", () => adamw({ lr: cosineAnnealingLr({ lr: 0.01, tMax: 10 }) })],
    ["sgd", () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true })],
  ] as const;

  for (const [name, create] of fused) {
    it(`${name}: stateDict → JSON → loadStateDict into a new optimizer continues bit for bit`, () => {
      const a = model(wasm);
      const optA = new Optimizer(create(), a);
      for (let t = 0; t < 3; t++) {
        fillGrads(a, t);
        optA.step();
      }
      const b = model(wasm);
      b.forEach((p, i) => {
        p.value.data.set(a[i]!.value.data);
      });
      const optB = new Optimizer(create(), b);
      optB.loadStateDict(JSON.parse(JSON.stringify(optA.stateDict())));
      expect(optB.stateDict()).toEqual(optA.stateDict());
      for (let t = 3; t < 6; t++) {
        fillGrads(a, t);
        fillGrads(b, t);
        optA.step();
        optB.step();
      }
      b.forEach((p, i) => {
        expect(Array.from(p.value.data)).toEqual(Array.from(a[i]!.value.data));
      });
      expect(optB.stateDict()).toEqual(optA.stateDict());
    });

    it(`${name}: a JS-backend state dict loads on wasm and continues within tolerance (and back)`, () => {
      const js = model(jsBackend);
      const optJs = new Optimizer(create(), js);
      for (let t = 0; t < 3; t++) {
        fillGrads(js, t);
        optJs.step();
      }
      const w = model(wasm);
      w.forEach((p, i) => {
        p.value.data.set(js[i]!.value.data);
      });
      const optW = new Optimizer(create(), w);
      optW.loadStateDict(optJs.stateDict());
      for (let t = 3; t < 6; t++) {
        fillGrads(js, t);
        fillGrads(w, t);
        optJs.step();
        optW.step();
      }
      w.forEach((p, i) => {
        expect(normwiseError(p.value.data, js[i]!.value.data)).toBeLessThan(TOLERANCE);
      });
      expectSameState(optW.stateDict(), optJs.stateDict());
      const back = new Optimizer(create(), model(jsBackend));
      back.loadStateDict(optW.stateDict());
      expect(back.stateDict()).toEqual(optW.stateDict());
    });
  }

  it("stateDict and loadStateDict read the backend's memory after it grew (views are re-created)", () => {
    const params = model(wasm);
    const opt = new Optimizer(adam({ lr: 0.01 }), params);
    fillGrads(params, 0);
    opt.step();
    const before = opt.stateDict();
    const bytes = wasm.memoryStats().memoryBytes;
    const big = zeros([bytes / 2], { backend: wasm }); // 2·bytes more: the memory must grow
    expect(wasm.memoryStats().memoryBytes).toBeGreaterThan(bytes);
    expect(opt.stateDict()).toEqual(before);
    const other = new Optimizer(adam({ lr: 0.01 }), model(wasm));
    other.loadStateDict(before);
    expect(other.stateDict()).toEqual(before);
    wasm.dispose(big.storage);
  });

  it("counts steps and advances the state's step count like the chain", () => {
    const params = model(wasm);
    const opt = new Optimizer(adam({ lr: 0.01 }), params);
    for (let t = 0; t < 4; t++) opt.step();
    expect(opt.stepCount).toBe(4);
    const scaling = (opt.stateDict().state as JsonValue[])[0] as { count: number };
    expect(scaling.count).toBe(4);
  });

  it("the JS backend and float64 keep the typed-array chain (the exact, PyTorch-matching path)", () => {
    const js = createJsBackend();
    const jsKernel = vi.spyOn(js, "adamStep");
    const wasmKernel = vi.spyOn(wasm, "adamStep");
    try {
      for (const params of [model(js), model(wasm, "float64")]) {
        const opt = new Optimizer(adam({ lr: 0.01 }), params);
        fillGrads(params, 0);
        opt.step();
      }
      expect(jsKernel).not.toHaveBeenCalled();
      expect(wasmKernel).not.toHaveBeenCalled();
      // float64 on wasm gives exactly the JS backend's float64 results.
      const [a, b] = [model(jsBackend, "float64"), model(wasm, "float64")];
      const [optA, optB] = [new Optimizer(adam({ lr: 0.01 }), a), new Optimizer(adam({ lr: 0.01 }), b)];
      for (let t = 0; t < 3; t++) {
        fillGrads(a, t);
        fillGrads(b, t);
        optA.step();
        optB.step();
      }
      expect(optB.stateDict()).toEqual(optA.stateDict());
    } finally {
      jsKernel.mockRestore();
      wasmKernel.mockRestore();
    }
  });

  it("step(parameters) rebinds on the same backend, and refuses parameters moved to another one", () => {
    const params = model(wasm);
    const opt = new Optimizer(adam({ lr: 0.01 }), params);
    fillGrads(params, 0);
    opt.step();
    const rebuilt = params.map((p) => parameter(p.name, p.value));
    fillGrads(rebuilt, 1);
    opt.step(rebuilt);
    expect(opt.stepCount).toBe(2);
    expect(() => opt.step(model(jsBackend))).toThrow(OptimizerError);
    expect(() => opt.step(model(jsBackend))).toThrow(
      'parameter "0.weight" moved from backend wasm-simd to js, where this optimizer\'s state does not live',
    );
  });
});

describe("whole-model training: mlp + CrossEntropyLoss + Adam on both backends", () => {
  it("five steps of a 784-64-32-10 ReLU net agree: losses to 1e-5, parameters to 1e-4 of their scale", () => {
    // Gradients differ by float32 rounding (gemm order), and Adam divides by √v: where a gradient is
    // near 0 its rounding noise becomes an O(η) step. Observed: losses 8e-9, parameters 3.4e-5 of their
    // scale after five steps (1e-4 allowed); one wrong step (η = 1e-3 on weights ~0.05) is off by 2e-2.
    const x = randomNormal([32, 784], new Rng(3));
    const rng = new Rng(4);
    const labels = Array.from({ length: 32 }, () => Math.floor(rng.uniform() * 10));
    const run = (backend: Backend) => {
      const net = mlp({ sizes: [784, 64, 32, 10], backend, seed: 5 });
      const loss = new CrossEntropyLoss();
      const opt = new Optimizer(adam({ lr: 1e-3 }), net.parameters());
      const input = fromArray(Float32Array.from(x.data), x.shape, { backend });
      const losses: number[] = [];
      for (let t = 0; t < 5; t++) {
        opt.zeroGrad();
        losses.push(loss.forward(net.forward(input), labels));
        net.backward(loss.backward());
        opt.step();
      }
      return { losses, params: net.parameters().map((p) => Float32Array.from(p.value.data)) };
    };
    const expected = run(jsBackend);
    const actual = run(wasm);
    expect(expected.losses[4]).toBeLessThan(expected.losses[0]!);
    expected.losses.forEach((l, t) => {
      expect(Math.abs(actual.losses[t]! - l) / l).toBeLessThan(1e-5);
    });
    expected.params.forEach((p, i) => {
      expect(normwiseError(actual.params[i]!, p)).toBeLessThan(1e-4);
    });
  });
});
