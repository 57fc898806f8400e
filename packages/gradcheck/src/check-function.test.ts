import {
  DTypeError,
  dot,
  fromArray,
  map,
  max,
  Rng,
  randomNormal,
  sum,
  type Tensor,
  tensor,
} from "@backprop/tensor";
import { createOpaqueBackend } from "@backprop/tensor/testing";
import { describe, expect, it } from "vitest";
import { checkFunction } from "./check-function.js";
import { GradcheckError } from "./errors.js";

const f64 = { dtype: "float64" } as const;
const x0 = (): Tensor =>
  tensor(
    [
      [0.3, -1.2, 2.5],
      [0.7, 1.9, -0.4],
    ],
    f64,
  );

/** log Σ_j e^{x_j}, computed stably; its gradient is softmax(x)_i = e^{x_i} / Σ_j e^{x_j}. */
function logSumExp(x: Tensor): number {
  const m = max(x);
  return m + Math.log(sum(map(x, (v) => Math.exp(v - m))));
}
function softmax(x: Tensor): Tensor {
  const m = max(x);
  const e = map(x, (v) => Math.exp(v - m));
  const s = sum(e);
  return map(e, (v) => v / s);
}

describe("checkFunction: closed forms", () => {
  it("f = Σ x², ∇f = 2x", () => {
    const report = checkFunction(
      (x) => dot(x, x),
      (x) => map(x, (v) => 2 * v),
      x0(),
    );
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(6);
    expect(report.skipped).toBe(0);
    expect(report.maxRelError).toBeLessThan(1e-8);
  });

  it("f = Σ sin x, ∇f = cos x", () => {
    const report = checkFunction(
      (x) => sum(map(x, Math.sin)),
      (x) => map(x, Math.cos),
      x0(),
    );
    expect(report.ok).toBe(true);
    expect(report.maxRelError).toBeLessThan(1e-7);
  });

  it("f = log Σ e^x, ∇f = softmax(x)", () => {
    const x = randomNormal([10], new Rng(3), { ...f64, std: 3 });
    const report = checkFunction(logSumExp, softmax, x);
    expect(report.ok).toBe(true);
    expect(report.maxAbsError).toBeLessThan(1e-9);
  });

  it("f = Σ_i w_i · softmax(x)_i (a softmax Jacobian–vector product)", () => {
    const w = tensor([0.5, -1, 2, 0.25], f64);
    const f = (x: Tensor) => dot(w, softmax(x));
    // ∂f/∂x_j = s_j (w_j − Σ_i w_i s_i)
    const gradient = (x: Tensor) => {
      const s = softmax(x);
      const ws = dot(w, s);
      return fromArray(
        Float64Array.from(s.data, (sj, j) => sj * (w.data[j]! - ws)),
        [4],
      );
    };
    const report = checkFunction(f, gradient, tensor([0.1, 1.5, -0.3, 0.8], f64));
    expect(report.ok).toBe(true);
    expect(report.maxRelError).toBeLessThan(1e-7);
  });
});

describe("checkFunction: wrong gradients fail", () => {
  it("reports the wrong element first, with flat and multi-index", () => {
    const wrong = (x: Tensor) => {
      const g = map(x, (v) => 2 * v);
      g.data[4] = g.data[4]! + 0.5;
      return g;
    };
    const report = checkFunction((x) => dot(x, x), wrong, x0());
    expect(report.ok).toBe(false);
    expect(report.failed).toBe(1);
    const [first] = report.worst;
    expect(first).toMatchObject({
      kind: "element",
      parameter: "input",
      index: 4,
      multiIndex: [1, 1],
      failed: true,
    });
    expect(first!.analytic - first!.numeric).toBeCloseTo(0.5, 6);
    expect(report.maxAbsError).toBeCloseTo(0.5, 6);
  });

  it("fails a gradient off by a factor in every element", () => {
    const report = checkFunction(
      (x) => sum(map(x, Math.sin)),
      (x) => map(x, (v) => 1.01 * Math.cos(v)),
      x0(),
    );
    expect(report.ok).toBe(false);
    expect(report.failed).toBe(6);
    expect(report.maxRelError).toBeGreaterThan(5e-3);
  });

  it("fails NaN gradients", () => {
    const report = checkFunction(
      (x) => dot(x, x),
      (x) => map(x, () => Number.NaN),
      x0(),
    );
    expect(report.ok).toBe(false);
    expect(report.failed).toBe(6);
    expect(report.maxAbsError).toBeNaN();
  });

  it("honours atol and rtol: a 1e-4 relative error passes rtol 1e-3 and fails rtol 1e-5", () => {
    const f = (x: Tensor) => dot(x, x);
    const g = (x: Tensor) => map(x, (v) => 2 * v * (1 + 1e-4));
    expect(checkFunction(f, g, x0()).ok).toBe(true);
    expect(checkFunction(f, g, x0(), { rtol: 1e-5, atol: 1e-9 }).ok).toBe(false);
  });
});

describe("checkFunction: kinks", () => {
  // relu(x) = max(x, 0) with the convention h'(0) = 1; 0 and 1e-7 are within ε = 1e-6 of the kink.
  const x = tensor([-1.5, 0, 1e-7, 0.8, -2e-7, 2.2], f64);
  const f = (t: Tensor) => sum(map(t, (v) => Math.max(v, 0)));
  const gradient = (t: Tensor) => map(t, (v) => (v >= 0 ? 1 : 0));

  it("fails at the kinks without kink handling", () => {
    const report = checkFunction(f, gradient, x);
    expect(report.ok).toBe(false);
    expect(report.failed).toBe(3);
  });

  it('skips them with kink: "detect" (one-sided differences disagree)', () => {
    const report = checkFunction(f, gradient, x, { kink: "detect" });
    expect(report).toMatchObject({ ok: true, checked: 3, skipped: 3, failed: 0 });
  });

  it("skips them with Caffe's kink range", () => {
    const report = checkFunction(f, gradient, x, { kink: { at: 0, range: 1e-5 } });
    expect(report).toMatchObject({ ok: true, checked: 3, skipped: 3 });
  });

  it("skips them with a predicate", () => {
    const report = checkFunction(f, gradient, x, { kink: ({ value }) => Math.abs(value) < 1e-6 });
    expect(report).toMatchObject({ ok: true, checked: 3, skipped: 3 });
  });

  it("|x| with sign(0) = 1 away from 0 passes, and a wrong gradient away from the kink still fails", () => {
    const abs = (t: Tensor) => sum(map(t, Math.abs));
    expect(checkFunction(abs, (t) => map(t, (v) => (v >= 0 ? 1 : -1)), x, { kink: "detect" }).ok).toBe(true);
    const report = checkFunction(abs, (t) => map(t, () => 1), x, { kink: "detect" });
    expect(report).toMatchObject({ ok: false, failed: 1, skipped: 3 });
    expect(report.worst[0]).toMatchObject({ index: 0, analytic: 1 });
  });

  it("is not ok when every comparison was skipped", () => {
    const report = checkFunction(f, gradient, tensor([0, 0], f64), { kink: "detect" });
    expect(report).toMatchObject({ ok: false, checked: 0, failed: 0, skipped: 2 });
  });
});

describe("checkFunction: modes", () => {
  const x = randomNormal([20, 30], new Rng(1), f64);
  const f = (t: Tensor) => sum(map(t, Math.sin));
  const good = (t: Tensor) => map(t, Math.cos);

  it('"sample" checks k seeded elements', () => {
    const report = checkFunction(f, good, x, { mode: "sample", samples: 25, seed: 7, worst: 100 });
    expect(report).toMatchObject({ ok: true, checked: 25, mode: "sample" });
    const indices = report.worst.map((c) => (c.kind === "element" ? c.index : -1));
    expect(new Set(indices).size).toBe(25);
    const again = checkFunction(f, good, x, { mode: "sample", samples: 25, seed: 7, worst: 100 });
    expect(again.worst.map((c) => (c.kind === "element" ? c.index : -1)).sort()).toEqual([...indices].sort());
  });

  it('"sample" with k ≥ size checks everything', () => {
    expect(checkFunction(f, good, tensor([1, 2, 3], f64), { mode: "sample", samples: 10 }).checked).toBe(3);
  });

  it('"directions" passes a right gradient with two evaluations per direction', () => {
    let evaluations = 0;
    const counted = (t: Tensor) => {
      evaluations++;
      return f(t);
    };
    const report = checkFunction(counted, good, x, { mode: "directions", directions: 3 });
    expect(report).toMatchObject({ ok: true, checked: 3 });
    expect(report.worst[0]).toMatchObject({ kind: "direction", parameter: "input" });
    expect(evaluations).toBe(2 + 3 * 2 + 1);
  });

  it('"directions" catches a gradient wrong in a single element out of 600', () => {
    const wrong = (t: Tensor) => {
      const g = map(t, Math.cos);
      g.data[123] = g.data[123]! + 1;
      return g;
    };
    const report = checkFunction(f, wrong, x, { mode: "directions", directions: 4 });
    expect(report.ok).toBe(false);
    expect(report.failed).toBeGreaterThan(0);
  });
});

describe("checkFunction: the caller's data and errors", () => {
  it("never changes the caller's input, bit for bit", () => {
    const values = [0.1, 1 / 3, -0, 1e-300, -7.25e12, Math.PI];
    const x = tensor(values, f64);
    const bits = new Uint8Array(x.data.buffer.slice(0));
    checkFunction(
      (t) => dot(t, t),
      (t) => map(t, (v) => 2 * v),
      x,
    );
    checkFunction(
      (t) => dot(t, t),
      (t) => map(t, (v) => 2 * v),
      x,
      { mode: "directions" },
    );
    expect(new Uint8Array(x.data.buffer.slice(0))).toEqual(bits);
    expect(Object.is(x.data[2], -0)).toBe(true);
  });

  it("rejects float32 inputs and gradients with a DTypeError naming them", () => {
    const x32 = tensor([1, 2, 3]);
    expect(() =>
      checkFunction(
        (t) => dot(t, t),
        (t) => t,
        x32,
      ),
    ).toThrow(DTypeError);
    expect(() =>
      checkFunction(
        (t) => dot(t, t),
        (t) => t,
        x32,
      ),
    ).toThrow(/checkFunction: input is float32\[3\], expected float64/);
    expect(() =>
      checkFunction(
        (t) => dot(t, t),
        () => tensor([1, 2, 3]),
        tensor([1, 2, 3], f64),
      ),
    ).toThrow(/the analytic gradient is float32\[3\], expected float64/);
  });

  it("rejects a gradient of the wrong shape", () => {
    expect(() =>
      checkFunction(
        (t) => dot(t, t),
        () => tensor([1, 2], f64),
        tensor([1, 2, 3], f64),
      ),
    ).toThrow(/analytic gradient of input has shape \[2\], expected \[3\]/);
  });

  it("rejects a function that is not deterministic", () => {
    const rng = new Rng(0);
    expect(() =>
      checkFunction(
        (t) => dot(t, t) + rng.uniform(),
        (t) => t,
        tensor([1], f64),
      ),
    ).toThrow(GradcheckError);
  });

  it("validates options", () => {
    const run = (options: object) => () =>
      checkFunction(
        (t) => dot(t, t),
        (t) => t,
        tensor([1], f64),
        options,
      );
    expect(run({ eps: 0 })).toThrow(/eps must be a positive finite number, got 0/);
    expect(run({ atol: -1 })).toThrow(/atol must be a non-negative/);
    expect(run({ mode: "some" })).toThrow(/mode must be "all", "sample" or "directions", got "some"/);
    expect(run({ samples: 1.5 })).toThrow(/samples must be an integer ≥ 1, got 1.5/);
    expect(run({ kink: { range: 0 } })).toThrow(/kink.range must be a positive/);
    expect(run({ kink: "sometimes" })).toThrow(/kink must be "detect"/);
  });
});

describe("on a backend whose memory is not a CPU array", () => {
  it("perturbs and restores elements through read / write (the opaque test backend)", () => {
    const backend = createOpaqueBackend();
    const x = tensor([[0.3, -1.2, 2.5]], { ...f64, backend });
    const report = checkFunction(
      (t) => dot(t, t),
      (t) => map(t, (v) => 2 * v),
      x,
    );
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(3);
    expect(report.maxRelError).toBeLessThan(1e-9);
    expect(Array.from(x.read())).toEqual([0.3, -1.2, 2.5]);
  });
});
