import { checkLoss } from "@backprop/gradcheck";
import { map, Rng, ShapeError, type Tensor } from "@backprop/tensor";
import { expectProjectBackend, onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import { type ClassTarget, CrossEntropyLoss } from "./cross-entropy.js";
import { LossError } from "./errors.js";

const backend = await projectBackend();
const { randomNormal, tensor, zeros } = onBackend(backend);

const f64 = { dtype: "float64" } as const;

function softmaxRows(x: Tensor): number[][] {
  return (x.toArray() as number[][]).map((row) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

/** Gradient check in float64 with relative error ≤ 1e-7 on every element; ε = 1e-5 ≈ ∛(machine ε) balances truncation and rounding. */
function expectGradcheck(loss: CrossEntropyLoss, logits: Tensor, target: ClassTarget): void {
  const report = checkLoss(loss, logits, target, { eps: 1e-5 });
  expect(report.ok).toBe(true);
  expect(report.maxRelError).toBeLessThanOrEqual(1e-7);
}

it("runs on the test project's backend (js or wasm)", () => {
  const loss = new CrossEntropyLoss();
  loss.forward(tensor([[1, 2]]), [1]);
  expectProjectBackend(loss.backward().backend);
});

describe("CrossEntropyLoss", () => {
  const logits = tensor(
    [
      [2, 1, 0.1],
      [0.5, 2.5, -1],
      [0, 0, 0],
      [-1, 3, 2],
    ],
    f64,
  );
  const labels = [0, 1, 2, 2];

  it("equal logits give log C per row", () => {
    const loss = new CrossEntropyLoss();
    expect(loss.forward(zeros([3, 5], f64), [0, 4, 2])).toBeCloseTo(Math.log(5), 15);
  });

  it("E = −(1/N) Σ_n log softmax(x_n)[label_n], ∂E/∂x = (softmax − onehot)/N", () => {
    const loss = new CrossEntropyLoss();
    const p = softmaxRows(logits);
    const expected = -labels.reduce((s, label, n) => s + Math.log(p[n]![label]!), 0) / 4;
    expect(loss.forward(logits, labels)).toBeCloseTo(expected, 14);
    const g = loss.backward().toArray() as number[][];
    g.forEach((row, n) => {
      row.forEach((v, c) => {
        expect(v).toBeCloseTo((p[n]![c]! - (c === labels[n] ? 1 : 0)) / 4, 15);
      });
    });
    const sum = new CrossEntropyLoss({ reduction: "sum" });
    expect(sum.forward(logits, Int32Array.from(labels))).toBeCloseTo(4 * expected, 13);
  });

  it("one-hot probability targets equal integer labels", () => {
    const onehot = zeros([4, 3], f64);
    labels.forEach((label, n) => {
      onehot.set(1, n, label);
    });
    for (const labelSmoothing of [0, 0.2]) {
      const a = new CrossEntropyLoss({ labelSmoothing });
      const b = new CrossEntropyLoss({ labelSmoothing });
      expect(b.forward(logits, onehot)).toBeCloseTo(a.forward(logits, labels), 15);
      const ga = Array.from(a.backward().read()); // copied: b.backward() may grow wasm memory
      b.backward()
        .read()
        .forEach((v, i) => {
          expect(v).toBeCloseTo(ga[i]!, 15);
        });
    }
  });

  it("label smoothing ε: q = (1 − ε)·onehot + ε/C", () => {
    const eps = 0.1;
    const loss = new CrossEntropyLoss({ labelSmoothing: eps, reduction: "sum" });
    const p = softmaxRows(logits);
    let expected = 0;
    labels.forEach((label, n) => {
      for (let c = 0; c < 3; c++) expected -= ((c === label ? 1 - eps : 0) + eps / 3) * Math.log(p[n]![c]!);
    });
    expect(loss.forward(logits, labels)).toBeCloseTo(expected, 13);
  });

  it("is stable for huge logits (log-sum-exp)", () => {
    const loss = new CrossEntropyLoss({ reduction: "sum" });
    expect(
      loss.forward(
        tensor(
          [
            [1000, 0, -1000],
            [-500, -500, -500],
          ],
          f64,
        ),
        [0, 1],
      ),
    ).toBeCloseTo(Math.log(3), 13);
    expect(loss.forward(tensor([[1000, 0]], f64), [1])).toBe(1000);
    expect(loss.backward().toArray()).toEqual([[1, -1]]);
  });

  it("passes the gradient check: labels, probabilities, smoothing, both reductions", () => {
    const x = randomNormal([5, 4], new Rng(1), { ...f64, std: 2 });
    const soft = tensor(softmaxRows(randomNormal([5, 4], new Rng(2), f64)), f64);
    for (const reduction of ["mean", "sum"] as const) {
      for (const labelSmoothing of [0, 0.15]) {
        expectGradcheck(new CrossEntropyLoss({ reduction, labelSmoothing }), x, [3, 0, 1, 2, 2]);
        expectGradcheck(new CrossEntropyLoss({ reduction, labelSmoothing }), x, soft);
      }
    }
    // Unnormalised soft targets: ∂E/∂x = p·Σq − q.
    expectGradcheck(
      new CrossEntropyLoss(),
      x,
      map(soft, (v) => 2 * v),
    );
  });

  it("reuses its buffers while the shape stays, and writes into out", () => {
    const loss = new CrossEntropyLoss();
    loss.forward(logits, labels);
    const g = loss.backward();
    loss.forward(logits, [1, 1, 1, 1]);
    expect(loss.backward()).toBe(g);
    const out = zeros([4, 3], f64);
    expect(loss.backward(out)).toBe(out);
    loss.forward(zeros([2, 3], f64), [0, 1]);
    expect(loss.backward().shape).toEqual([2, 3]);
  });

  it("validates labels, shapes and options with the expected and actual values", () => {
    const loss = new CrossEntropyLoss();
    expect(() => loss.forward(logits, [0, 1, 3, 0])).toThrow(
      new LossError("CrossEntropyLoss: label 3 at index 2 is out of range [0, 3) for 3 classes"),
    );
    expect(() => loss.forward(logits, [0, -1, 2, 0])).toThrow("label -1 at index 1 is out of range [0, 3)");
    expect(() => loss.forward(logits, [0, 1.5, 2, 0])).toThrow(
      "label 1.5 at index 1 is not an integer class index",
    );
    expect(() => loss.forward(logits, [0, 1])).toThrow(
      new ShapeError("CrossEntropyLoss: got 2 labels for 4 rows of logits [4,3]"),
    );
    expect(() => loss.forward(logits, zeros([4, 2], f64))).toThrow(
      "CrossEntropyLoss: target has shape [4,2], expected [4,3]",
    );
    expect(() => loss.forward(logits, zeros([4], f64))).toThrow(
      /expected probabilities \[4,3\]; pass class indices/,
    );
    expect(() => loss.forward(tensor([1, 2, 3], f64), [0])).toThrow(
      "CrossEntropyLoss: logits must have rank 2, got shape [3]",
    );
    expect(() => loss.forward(zeros([0, 3], f64), [])).toThrow(/mean over a prediction of shape \[0,3\]/);
    expect(() => new CrossEntropyLoss({ labelSmoothing: 1.5 })).toThrow(
      "labelSmoothing must be in [0, 1], got 1.5",
    );
    expect(() => new CrossEntropyLoss().backward()).toThrow("backward() called before forward()");
  });
});
