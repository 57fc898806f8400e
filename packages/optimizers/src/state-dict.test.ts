import { parameter } from "@backprop/tensor";
import { onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  adam,
  cosineAnnealingLr,
  createOptimizerRegistry,
  decodeNumber,
  encodeNumber,
  Optimizer,
  type OptimizerStateDict,
  reduceLrOnPlateau,
  StateDictError,
  sgd,
} from "./index.js";

const { fromArray, zeros } = onBackend(await projectBackend());

function model(dtype: "float32" | "float64" = "float64") {
  return [
    parameter("0.weight", fromArray([0.5, -1, 2, 0.25, 3, -2], [2, 3], { dtype })),
    parameter("0.bias", fromArray([0.1, -0.1], [2], { dtype })),
  ];
}

function fill(ps: ReturnType<typeof model>, t: number): void {
  ps.forEach((p, i) => {
    p.grad.write(Array.from({ length: p.grad.size }, (_, j) => Math.sin(1 + t + 3 * i + j) * 0.7));
  });
}

describe("stateDict", () => {
  it("is plain JSON keyed by parameter name", () => {
    const ps = model();
    const opt = new Optimizer(adam({ lr: 0.01 }), ps);
    fill(ps, 0);
    opt.step();
    const dict = opt.stateDict();
    expect(JSON.parse(JSON.stringify(dict))).toEqual(dict);
    expect(dict.format).toBe("backprop.optimizer/1");
    expect(dict.optimizer).toEqual({ type: "adam", options: { lr: 0.01 } });
    expect(dict.step).toBe(1);
    expect(dict.params).toEqual({
      "0.weight": { shape: [2, 3], dtype: "float64" },
      "0.bias": { shape: [2], dtype: "float64" },
    });
    const [adamState, lrState] = dict.state as [
      { count: number; mu: Record<string, number[]>; nuMax: null },
      unknown,
    ];
    expect(lrState).toEqual({});
    expect(adamState.count).toBe(1);
    expect(Object.keys(adamState.mu)).toEqual(["0.weight", "0.bias"]);
    expect(adamState.mu["0.bias"]).toEqual([(1 - 0.9) * ps[1]!.grad.get(0), (1 - 0.9) * ps[1]!.grad.get(1)]);
    expect(adamState.nuMax).toBeNull();
  });

  it("encodes numbers losslessly, including NaN, ±Infinity and −0, and float32 exactly", () => {
    for (const x of [
      0,
      -0,
      1 / 3,
      Math.fround(0.1),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      5e-324,
    ]) {
      expect(Object.is(decodeNumber(JSON.parse(JSON.stringify(encodeNumber(x))), "x"), x)).toBe(true);
    }
    expect(() => decodeNumber("1.5", "here")).toThrow(/here: expected a number/);
  });

  for (const dtype of ["float32", "float64"] as const) {
    it(`save → JSON → load → continue is bitwise identical to never stopping (${dtype}, with a schedule)`, () => {
      const build = () => {
        const schedule = cosineAnnealingLr({ lr: 0.1, tMax: 20 });
        return { schedule, tx: sgd({ lr: schedule, momentum: 0.9, nesterov: true }) };
      };
      const a = model(dtype);
      const runA = build();
      const optA = new Optimizer(runA.tx, a);
      for (let t = 0; t < 7; t++) {
        fill(a, t);
        optA.step();
        runA.schedule.step();
      }
      const saved = JSON.parse(JSON.stringify(optA.stateDict())) as OptimizerStateDict;
      const b = model(dtype);
      b.forEach((p, i) => {
        p.value.write(a[i]!.value.read());
      });
      const runB = build();
      const optB = new Optimizer(runB.tx, b);
      optB.loadStateDict(saved);
      expect(runB.schedule.stepCount).toBe(7);
      expect(optB.stepCount).toBe(7);
      for (let t = 7; t < 15; t++) {
        for (const [ps, opt, run] of [
          [a, optA, runA],
          [b, optB, runB],
        ] as const) {
          fill(ps, t);
          opt.step();
          run.schedule.step();
        }
      }
      a.forEach((p, i) => {
        expect(Array.from(p.value.read())).toEqual(Array.from(b[i]!.value.read()));
      });
      expect(JSON.stringify(optB.stateDict())).toBe(JSON.stringify(optA.stateDict()));
    });
  }

  it("saves a reduce-on-plateau schedule with an infinite best value", () => {
    const schedule = reduceLrOnPlateau({ lr: 0.1 });
    const opt = new Optimizer(sgd({ lr: schedule }), model());
    const dict = JSON.parse(JSON.stringify(opt.stateDict())) as OptimizerStateDict;
    expect(JSON.stringify(dict.state)).toContain('"best":"Infinity"');
    schedule.step(1);
    opt.loadStateDict(dict);
    expect(schedule.stateDict()).toEqual({
      step: 0,
      lr: 0.1,
      best: "Infinity",
      numBadSteps: 0,
      cooldownCounter: 0,
    });
  });
});

describe("loadStateDict fails loudly and names the parameter", () => {
  const saved = () => {
    const ps = model();
    const opt = new Optimizer(adam(), ps);
    fill(ps, 0);
    opt.step();
    return JSON.parse(JSON.stringify(opt.stateDict())) as OptimizerStateDict;
  };

  it("on a missing, an extra or a renamed parameter", () => {
    const dict = saved();
    const other = [
      parameter("0.weight", zeros([2, 3], { dtype: "float64" })),
      parameter("1.bias", zeros([2], { dtype: "float64" })),
    ];
    expect(() => new Optimizer(adam(), other).loadStateDict(dict)).toThrow(/no parameter "1\.bias"/);
    const fewer = [parameter("0.weight", zeros([2, 3], { dtype: "float64" }))];
    expect(() => new Optimizer(adam(), fewer).loadStateDict(dict)).toThrow(
      /parameters this optimizer does not: "0\.bias"/,
    );
  });

  it("on a shape or dtype mismatch", () => {
    const dict = saved();
    const reshaped = [
      parameter("0.weight", zeros([3, 2], { dtype: "float64" })),
      parameter("0.bias", zeros([2], { dtype: "float64" })),
    ];
    expect(() => new Optimizer(adam(), reshaped).loadStateDict(dict)).toThrow(
      'loadStateDict: parameter "0.weight": saved float64[2,3], this optimizer has float64[3,2]',
    );
    expect(() => new Optimizer(adam(), model("float32")).loadStateDict(dict)).toThrow(
      /parameter "0\.weight": saved float64\[2,3\], this optimizer has float32/,
    );
  });

  it("on a buffer of the wrong length, a wrong structure or another optimizer, without writing anything", () => {
    const dict = saved();
    const state = dict.state as [{ mu: Record<string, unknown[]> }, unknown];
    state[0].mu["0.bias"]!.push(1);
    const ps = model();
    const opt = new Optimizer(adam(), ps);
    const before = JSON.stringify(opt.stateDict());
    expect(() => opt.loadStateDict(dict)).toThrow(StateDictError);
    expect(() => opt.loadStateDict(dict)).toThrow(
      /state\[0\]\.mu\["0\.bias"\]: expected 2 numbers \(parameter "0\.bias", shape \[2\]\), got 3/,
    );
    expect(JSON.stringify(opt.stateDict())).toBe(before);
    expect(() => new Optimizer(sgd({ lr: 0.1 }), model()).loadStateDict(saved())).toThrow(
      /"adam" optimizer, this one is "sgd"/,
    );
    expect(() => new Optimizer(adam({ amsgrad: true }), model()).loadStateDict(saved())).toThrow(
      /nuMax: expected an object/,
    );
    expect(() => opt.loadStateDict({} as never)).toThrow(/not an optimizer state dict/);
  });

  it("on float64 values that are not float32 values, into float32 parameters", () => {
    const ps = model("float32");
    const dict = new Optimizer(adam(), ps).stateDict();
    const state = dict.state as [{ mu: Record<string, number[]> }, unknown];
    state[0].mu["0.bias"]![0] = 0.1;
    expect(() => new Optimizer(adam(), model("float32")).loadStateDict(dict)).toThrow(
      /0\.1 is not a float32 value/,
    );
  });
});

describe("registry", () => {
  it("rebuilds an optimizer (with its schedule) from the spec in a state dict", () => {
    const tx = adam({ lr: cosineAnnealingLr({ lr: 0.01, tMax: 10 }), amsgrad: true });
    const dict = new Optimizer(tx, model()).stateDict();
    expect(dict.optimizer).toEqual({
      type: "adam",
      options: {
        lr: { type: "cosineAnnealingLr", options: { lr: 0.01, tMax: 10, etaMin: 0 } },
        amsgrad: true,
      },
    });
    const rebuilt = createOptimizerRegistry().create(dict.optimizer!);
    const opt = new Optimizer(rebuilt, model());
    opt.loadStateDict(dict);
    expect(opt.stateDict()).toEqual(dict);
  });

  it("is a value: registering in one registry leaves another untouched", () => {
    const a = createOptimizerRegistry();
    const b = createOptimizerRegistry();
    a.register("plainSgd", (o) => sgd({ lr: o.lr as number }));
    expect(a.types()).toContain("plainSgd");
    expect(b.types()).not.toContain("plainSgd");
    expect(() => b.create({ type: "plainSgd", options: {} })).toThrow(/unknown optimizer "plainSgd"/);
    expect(() => a.register("sgd", () => sgd({ lr: 1 }))).toThrow(/already registered/);
    expect(a.scheduleTypes()).toEqual(
      expect.arrayContaining(["stepLr", "oneCycleLr", "sequentialLr", "reduceLrOnPlateau"]),
    );
  });

  it("has no spec for options without a JSON form (a mask function)", () => {
    expect(adam({ weightDecay: 0.1, weightDecayMask: () => true }).spec).toBeUndefined();
    expect(new Optimizer(adam({ weightDecayMask: () => true }), model()).stateDict().optimizer).toBeNull();
  });
});
