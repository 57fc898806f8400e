import { checkLoss } from "@backprop/gradcheck";
import { DTypeError, type Expr, Rng, ShapeError, type Tensor } from "@backprop/tensor";
import { onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import { BCEWithLogitsLoss } from "./bce-with-logits.js";
import { ElementwiseLoss } from "./elementwise-loss.js";
import { LossError } from "./errors.js";
import { HuberLoss } from "./huber.js";
import { L1Loss } from "./l1.js";
import type { Loss } from "./loss.js";
import { MSELoss } from "./mse.js";

const backend = await projectBackend();
const { randomNormal, tensor, zeros } = onBackend(backend);

const f64 = { dtype: "float64" } as const;
const y = tensor(
  [
    [0.5, -1, 2],
    [3, 0.25, -0.75],
  ],
  f64,
);
const t = tensor(
  [
    [1, -1.5, 0],
    [2.5, 0.25, 1.25],
  ],
  f64,
);
// y − t = [[-0.5, 0.5, 2], [0.5, 0, -2]]; Σ(y − t)² = 0.25 + 0.25 + 4 + 0.25 + 0 + 4 = 8.75

/** Gradient check in float64 with relative error ≤ 1e-7 on every element; ε = 1e-5 ≈ ∛(machine ε) balances truncation and rounding. */
function expectGradcheck(loss: Loss, prediction: Tensor, target: Tensor): void {
  const report = checkLoss(loss, prediction, target, { eps: 1e-5 });
  expect(report.ok).toBe(true);
  expect(report.maxRelError).toBeLessThanOrEqual(1e-7);
}

describe("MSELoss: the notes' conventions", () => {
  it('"sum" is E = Σ_n Σ_i (y − t)² (eq. 44) with ∂E/∂y = 2(y − t)', () => {
    const loss = new MSELoss({ reduction: "sum" });
    expect(loss.forward(y, t)).toBe(8.75);
    expect(loss.backward().toArray()).toEqual([
      [-1, 1, 4],
      [1, 0, -4],
    ]);
  });

  it('"half-sum" is E = ½ Σ (y − t)² (eq. 47) with ∂E/∂y = y − t', () => {
    const loss = new MSELoss({ reduction: "half-sum" });
    expect(loss.forward(y, t)).toBe(4.375);
    expect(loss.backward().toArray()).toEqual([
      [-0.5, 0.5, 2],
      [0.5, 0, -2],
    ]);
  });

  it('"mean" (the default, PyTorch\'s) is E = (1/M) Σ (y − t)² over all M elements', () => {
    const loss = new MSELoss();
    expect(loss.reduction).toBe("mean");
    expect(loss.forward(y, t)).toBeCloseTo(8.75 / 6, 15);
    expect(loss.backward().toArray()).toEqual([
      [-1 / 6, 1 / 6, 4 / 6],
      [1 / 6, 0, -4 / 6],
    ]);
  });

  it("passes the gradient check in every reduction", () => {
    const p = randomNormal([4, 5], new Rng(1), f64);
    const q = randomNormal([4, 5], new Rng(2), f64);
    for (const reduction of ["sum", "half-sum", "mean"] as const)
      expectGradcheck(new MSELoss({ reduction }), p, q);
  });
});

describe("L1Loss", () => {
  it("E = (1/M) Σ |y − t|, ∂E/∂y = sign(y − t)/M with sign(0) = 0", () => {
    const loss = new L1Loss();
    expect(loss.forward(y, t)).toBeCloseTo(5.5 / 6, 15);
    expect(loss.backward().toArray()).toEqual([
      [-1 / 6, 1 / 6, 1 / 6],
      [1 / 6, 0, -1 / 6],
    ]);
    expect(new L1Loss({ reduction: "sum" }).forward(y, t)).toBe(5.5);
  });

  it("passes the gradient check away from y = t (its kink)", () => {
    const p = randomNormal([3, 4], new Rng(3), f64);
    const q = randomNormal([3, 4], new Rng(4), f64);
    expectGradcheck(new L1Loss(), p, q);
    expectGradcheck(new L1Loss({ reduction: "sum" }), p, q);
  });
});

describe("HuberLoss", () => {
  it("is ½d² inside δ and δ(|d| − ½δ) outside, with gradient clamp(d, −δ, δ)", () => {
    const loss = new HuberLoss({ reduction: "sum", delta: 1 });
    // d = [-0.5, 0.5, 2, 0.5, 0, -2]: 0.125 + 0.125 + 1.5 + 0.125 + 0 + 1.5
    expect(loss.forward(y, t)).toBe(3.375);
    expect(loss.backward().toArray()).toEqual([
      [-0.5, 0.5, 1],
      [0.5, 0, -1],
    ]);
    const wide = new HuberLoss({ delta: 3 });
    expect(wide.forward(y, t)).toBeCloseTo(new MSELoss({ reduction: "half-sum" }).forward(y, t) / 6, 15);
  });

  it("passes the gradient check for several δ", () => {
    const p = randomNormal([4, 4], new Rng(5), { ...f64, std: 2 });
    const q = randomNormal([4, 4], new Rng(6), f64);
    for (const delta of [0.3, 1, 4]) expectGradcheck(new HuberLoss({ delta }), p, q);
  });

  it("rejects δ ≤ 0", () => {
    expect(() => new HuberLoss({ delta: 0 })).toThrow(
      "HuberLoss: delta must be a positive finite number, got 0",
    );
  });
});

describe("BCEWithLogitsLoss", () => {
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

  it("equals −[t log σ(x) + (1 − t) log(1 − σ(x))] with gradient σ(x) − t", () => {
    const x = tensor([0.3, -1.2, 2], f64);
    const target = tensor([1, 0, 0.25], f64);
    const loss = new BCEWithLogitsLoss({ reduction: "sum" });
    let expected = 0;
    for (let i = 0; i < 3; i++) {
      const s = sigmoid(x.read()[i]!);
      const ti = target.read()[i]!;
      expected -= ti * Math.log(s) + (1 - ti) * Math.log(1 - s);
    }
    expect(loss.forward(x, target)).toBeCloseTo(expected, 14);
    const g = loss.backward();
    for (let i = 0; i < 3; i++)
      expect(g.read()[i]).toBeCloseTo(sigmoid(x.read()[i]!) - target.read()[i]!, 15);
  });

  it("stays finite and exact for huge logits", () => {
    const loss = new BCEWithLogitsLoss({ reduction: "sum" });
    expect(loss.forward(tensor([800, -800], f64), tensor([0, 1], f64))).toBe(1600);
    expect(loss.backward().toArray()).toEqual([1, -1]);
    expect(loss.forward(tensor([800, -800], f64), tensor([1, 0], f64))).toBe(0);
  });

  it("passes the gradient check", () => {
    const x = randomNormal([3, 4], new Rng(7), { ...f64, std: 3 });
    const target = zeros([3, 4], f64);
    const rng = new Rng(8);
    target.write(Array.from({ length: target.size }, () => rng.uniform()));
    expectGradcheck(new BCEWithLogitsLoss(), x, target);
  });
});

describe("elementwise losses: buffers and errors", () => {
  it("reuses its gradient buffer, or writes into out", () => {
    const loss = new MSELoss();
    loss.forward(y, t);
    const first = loss.backward();
    loss.forward(t, y);
    expect(loss.backward()).toBe(first);
    expect(first.read()[0]).toBeCloseTo(1 / 6, 15);
    const out = zeros([2, 3], f64);
    expect(loss.backward(out)).toBe(out);
    expect(out.toArray()).toEqual(first.toArray());
    loss.forward(tensor([1, 2], f64), tensor([0, 0], f64));
    // Not `.not.toBe`: on a mismatch it deep-compares the tensors, reading wasm storages' stale views.
    expect(loss.backward() === first).toBe(false);
  });

  it("names the shapes when the target does not match", () => {
    expect(() => new MSELoss().forward(y, tensor([1, 2, 3], f64))).toThrow(ShapeError);
    expect(() => new MSELoss().forward(y, tensor([1, 2, 3], f64))).toThrow(
      "MSELoss: target has shape [3], expected [2,3]",
    );
    expect(() => new L1Loss().forward(y, zeros([2, 3]))).toThrow(DTypeError);
    expect(() => new L1Loss().forward(y, zeros([2, 3]))).toThrow(
      "L1Loss: target is float32, expected float64 like the prediction",
    );
    const loss = new HuberLoss();
    loss.forward(y, t);
    expect(() => loss.backward(zeros([3, 2], f64))).toThrow("HuberLoss: out has shape [3,2], expected [2,3]");
  });

  it("rejects backward before forward, a mean over nothing, and unknown reductions", () => {
    expect(() => new BCEWithLogitsLoss().backward()).toThrow(
      new LossError("BCEWithLogitsLoss: backward() called before forward()"),
    );
    expect(() => new MSELoss().forward(zeros([0, 3], f64), zeros([0, 3], f64))).toThrow(
      /mean over a prediction of shape \[0,3\]/,
    );
    expect(new MSELoss({ reduction: "sum" }).forward(zeros([0, 3], f64), zeros([0, 3], f64))).toBe(0);
    // @ts-expect-error: not a reduction
    expect(() => new MSELoss({ reduction: "avg" })).toThrow(
      'MSELoss: reduction must be "mean" or "sum" or "half-sum", got "avg"',
    );
  });

  it("works in float32 too (training precision)", () => {
    const loss = new MSELoss({ reduction: "sum" });
    expect(loss.forward(tensor([1, 2]), tensor([0, 0]))).toBe(5);
    expect(loss.backward().dtype).toBe("float32");
  });

  it("is extensible: a custom ElementwiseLoss (log-cosh) passes the gradient check", () => {
    class LogCosh extends ElementwiseLoss {
      constructor() {
        super("LogCosh", "mean");
      }
      protected pointwise(p: Expr, q: Expr): Expr {
        return p.sub(q).cosh().log();
      }
      protected derivative(p: Expr, q: Expr): Expr {
        return p.sub(q).tanh();
      }
    }
    expectGradcheck(
      new LogCosh(),
      randomNormal([3, 3], new Rng(9), f64),
      randomNormal([3, 3], new Rng(10), f64),
    );
  });
});
