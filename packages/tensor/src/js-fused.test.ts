import { describe, expect, it } from "vitest";
import { fromArray, tensor, zeros } from "./create.js";
import { hasFusedOps, MIN_NORMAL_FLOAT32 } from "./fused.js";
import { jsBackend } from "./js-backend.js";

const f64 = (values: number[]) => fromArray(new Float64Array(values), [values.length]);

describe("the JS backend's fused kernels against closed forms", () => {
  it("are present on jsBackend", () => {
    expect(hasFusedOps(jsBackend)).toBe(true);
  });

  it("biasActivation: relu(x + b) per row; reluBackward: [a > 0]·g", () => {
    const x = tensor(
      [
        [-1, 2],
        [3, -4],
      ],
      { dtype: "float64" },
    );
    const b = tensor([0.5, 1], { dtype: "float64" });
    const out = zeros([2, 2], { dtype: "float64" });
    jsBackend.biasActivation(2, 2, x.storage, b.storage, "relu", out.storage);
    expect(out.toArray()).toEqual([
      [0, 3],
      [3.5, 0],
    ]);
    const g = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: "float64" },
    );
    jsBackend.reluBackward(4, x.storage, g.storage, g.storage);
    expect(g.toArray()).toEqual([
      [0, 2],
      [3, 0],
    ]);
  });

  it("softmaxCrossEntropy: E = −Σ log softmax(x)[t] and ∂E/∂x = softmax − onehot", () => {
    const x = tensor(
      [
        [0, Math.log(3)],
        [5, 5],
      ],
      { dtype: "float64" },
    );
    const grad = zeros([2, 2], { dtype: "float64" });
    const loss = jsBackend.softmaxCrossEntropy(2, 2, x.storage, [1, 0], grad.storage, "mean");
    expect(loss).toBeCloseTo((-Math.log(3 / 4) + Math.log(2)) / 2, 14);
    expect(grad.toArray()).toEqual([
      [0.25 / 2, (0.75 - 1) / 2],
      [(0.5 - 1) / 2, 0.5 / 2],
    ]);
    expect(() => jsBackend.softmaxCrossEntropy(2, 2, x.storage, [1, 2], null, "sum")).toThrow(
      "softmaxCrossEntropy: label 1 is 2, expected an integer in [0, 2)",
    );
  });

  it("adamStep: one step moves each weight by −η·sign(g) (bias-corrected m/√v = ±1)", () => {
    const w = f64([1, -2, 3]);
    const g = f64([0.5, -0.25, 0]);
    const m = f64([0, 0, 0]);
    const v = f64([0, 0, 0]);
    jsBackend.adamStep(3, w.storage, g.storage, m.storage, v.storage, { lr: 0.1, step: 1, eps: 0 });
    expect(m.data[0]).toBe((1 - 0.9) * 0.5);
    expect(m.data[1]).toBe((1 - 0.9) * -0.25);
    expect(w.data[0]).toBeCloseTo(0.9, 14);
    expect(w.data[1]).toBeCloseTo(-1.9, 14);
    expect(Number.isNaN(w.data[2]!)).toBe(true); // 0/0 with eps = 0, as the formula says
  });

  it("adamStep flushes float32 moments below the smallest normal to zero", () => {
    const w = fromArray(new Float32Array([1]), [1]);
    const g = fromArray(new Float32Array([0]), [1]);
    const m = fromArray(new Float32Array([MIN_NORMAL_FLOAT32 * 1.05]), [1]);
    const v = fromArray(new Float32Array([1e-3]), [1]);
    jsBackend.adamStep(1, w.storage, g.storage, m.storage, v.storage, { lr: 0.1, step: 2 });
    expect(m.data[0]).toBe(0); // 0.9 · 1.05·2^-126 is subnormal
  });

  it("sgdStep with momentum and Nesterov follows PyTorch's update", () => {
    const w = f64([1]);
    const g = f64([2]);
    const vel = f64([0.5]);
    jsBackend.sgdStep(1, w.storage, g.storage, vel.storage, {
      lr: 0.1,
      momentum: 0.9,
      nesterov: true,
      weightDecay: 0.5,
    });
    // g' = 2 + 0.5·1 = 2.5; v = 0.9·0.5 + 2.5 = 2.95; w = 1 − 0.1·(2.5 + 0.9·2.95)
    expect(vel.data[0]).toBeCloseTo(2.95, 14);
    expect(w.data[0]).toBeCloseTo(1 - 0.1 * (2.5 + 0.9 * 2.95), 14);
  });
});
