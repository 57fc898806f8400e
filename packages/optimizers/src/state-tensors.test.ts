import { fromArray, parameter, zeros } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { adam, Optimizer, StateDictError, type StateTensor, sgd } from "./index.js";

function model(dtype: "float32" | "float64" = "float64") {
  return [
    parameter("0.weight", fromArray([0.5, -1, 2, 0.25, 3, -2], [2, 3], { dtype })),
    parameter("0.bias", fromArray([0.1, -0.1], [2], { dtype })),
  ];
}

function fill(ps: ReturnType<typeof model>, t: number): void {
  for (const [i, p] of ps.entries()) {
    p.grad.write(Array.from({ length: p.grad.size }, (_, j) => Math.sin(1 + t + 3 * i + j) * 0.7));
  }
}

/** A deep copy, as a file would give it back (JSON through text, tensors through bytes). */
function roundTrip(saved: ReturnType<Optimizer["saveState"]>) {
  const tensors = new Map<string, StateTensor>();
  for (const [key, t] of saved.tensors) tensors.set(key, { ...t, shape: [...t.shape], data: t.data.slice() });
  return { dict: JSON.parse(JSON.stringify(saved.dict)), tensors };
}

function trained(dtype: "float32" | "float64" = "float64", steps = 3) {
  const ps = model(dtype);
  const opt = new Optimizer(adam({ lr: 0.01 }), ps);
  for (let t = 0; t < steps; t++) {
    fill(ps, t);
    opt.step();
  }
  return { ps, opt };
}

describe("saveState / loadState", () => {
  it("keeps every per-parameter buffer out of the JSON, as a {$tensor} reference to a named tensor", () => {
    const { ps, opt } = trained();
    const { dict, tensors } = opt.saveState();
    const [adamState] = dict.state as [{ count: number; mu: unknown; nu: unknown; nuMax: null }];
    expect(adamState.count).toBe(3);
    expect(adamState.mu).toEqual({
      "0.weight": { $tensor: "state[0].mu.0.weight" },
      "0.bias": { $tensor: "state[0].mu.0.bias" },
    });
    expect([...tensors.keys()]).toEqual([
      "state[0].mu.0.weight",
      "state[0].mu.0.bias",
      "state[0].nu.0.weight",
      "state[0].nu.0.bias",
    ]);
    expect(tensors.get("state[0].nu.0.weight")).toMatchObject({ dtype: "float64", shape: [2, 3] });
    // The same numbers stateDict() spells out as JSON.
    const full = opt.stateDict().state as [{ mu: Record<string, number[]> }];
    expect(Array.from(tensors.get("state[0].mu.0.bias")!.data)).toEqual(full[0].mu["0.bias"]);
    expect(JSON.stringify(dict).length).toBeLessThan(600);
    expect(ps).toHaveLength(2);
  });

  for (const dtype of ["float32", "float64"] as const) {
    it(`save → load → continue is bitwise identical to never stopping (${dtype})`, () => {
      const a = trained(dtype, 4);
      const saved = roundTrip(a.opt.saveState());
      const b = { ps: model(dtype) };
      for (const [i, p] of b.ps.entries()) p.value.write(a.ps[i]!.value.read());
      const optB = new Optimizer(adam({ lr: 0.01 }), b.ps);
      optB.loadState(saved.dict, saved.tensors);
      expect(optB.stepCount).toBe(4);
      for (let t = 4; t < 9; t++) {
        fill(a.ps, t);
        a.opt.step();
        fill(b.ps, t);
        optB.step();
      }
      a.ps.forEach((p, i) => {
        expect(Array.from(b.ps[i]!.value.read())).toEqual(Array.from(p.value.read()));
      });
      expect(JSON.stringify(optB.stateDict())).toBe(JSON.stringify(a.opt.stateDict()));
    });
  }

  it("an optimizer without per-parameter state saves no tensors", () => {
    const opt = new Optimizer(sgd({ lr: 0.1 }), model());
    expect(opt.saveState().tensors.size).toBe(0);
  });

  describe("fails loudly, naming the tensor, and writes nothing", () => {
    const check = (
      change: (saved: ReturnType<typeof roundTrip>) => void,
      message: RegExp,
      into: ReturnType<typeof model> = model(),
    ) => {
      const saved = roundTrip(trained().opt.saveState());
      change(saved);
      const opt = new Optimizer(adam({ lr: 0.01 }), into);
      const before = JSON.stringify(opt.stateDict());
      expect(() => opt.loadState(saved.dict, saved.tensors)).toThrow(StateDictError);
      expect(() => opt.loadState(saved.dict, saved.tensors)).toThrow(message);
      expect(JSON.stringify(opt.stateDict())).toBe(before);
    };

    it("on a missing tensor", () => {
      check((s) => s.tensors.delete("state[0].nu.0.bias"), /no tensor for "state\[0\]\.nu\.0\.bias"/);
    });

    it("on an extra tensor", () => {
      check(
        (s) => s.tensors.set("stray", { dtype: "float64", shape: [1], data: new Float64Array(1) }),
        /unexpected tensors "stray"/,
      );
    });

    it("on a tensor of the wrong shape, length or dtype", () => {
      check((s) => {
        s.tensors.get("state[0].mu.0.weight")!.shape = [3, 2];
      }, /state\[0\]\.mu\["0\.weight"\]: tensor "state\[0\]\.mu\.0\.weight" is float64\[3,2\] with 6 elements, expected float64\[2,3\]/);
      check((s) => {
        s.tensors.get("state[0].mu.0.bias")!.data = new Float64Array(3);
      }, /"state\[0\]\.mu\.0\.bias" is float64\[2\] with 3 elements, expected float64\[2\]/);
      check((s) => {
        const t = s.tensors.get("state[0].nu.0.bias")!;
        t.dtype = "float32";
        t.data = new Float32Array(t.data);
      }, /is float32\[2\] with 2 elements, expected float64\[2\]/);
    });

    it("on renamed or reshaped parameters (as loadStateDict)", () => {
      const renamed = [
        parameter("0.weight", zeros([2, 3], { dtype: "float64" })),
        parameter("1.bias", zeros([2], { dtype: "float64" })),
      ];
      check(() => undefined, /no parameter "1\.bias"/, renamed);
      const reshaped = [
        parameter("0.weight", zeros([3, 2], { dtype: "float64" })),
        parameter("0.bias", zeros([2], { dtype: "float64" })),
      ];
      check(
        () => undefined,
        /parameter "0\.weight": saved float64\[2,3\], this optimizer has float64\[3,2\]/,
        reshaped,
      );
    });

    it("on a reference where a scalar belongs", () => {
      check((s) => {
        (s.dict.state as [{ count: unknown }])[0].count = { $tensor: "state[0].mu.0.bias" };
        (s.dict.state as [{ mu: Record<string, unknown> }])[0].mu["0.bias"] = [0, 0];
      }, /state\[0\]\.count: expected a number/);
    });
  });
});
