import {
  type Backend,
  fromArray,
  jsBackend,
  Rng,
  randomNormal,
  randomUniform,
  type Tensor,
} from "@backprop/tensor";
import { createWasmBackend, type WasmBackend } from "@backprop/tensor-wasm";
import { normwiseError } from "@backprop/test-kit";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  BCEWithLogitsLoss,
  type ClassTarget,
  CrossEntropyLoss,
  HuberLoss,
  L1Loss,
  type Loss,
  MSELoss,
} from "./index.js";

/*
 * Every loss on the JS backend and on the WebAssembly SIMD backend (float32 both): the value E and
 * the gradient ∂E/∂y. Cross-entropy with class labels runs the backends' fused softmaxCrossEntropy
 * (float32 SIMD on wasm), the others the same loops on either backend. Values must agree to 1e-5
 * relative, gradients to 1e-5 of their scale (max_i |wasm_i − js_i| / max_i |js_i|): float32 rounding
 * of a softmax over ≤ 10 classes is ~1e-7, a wrong label or scale is off by O(1).
 */
const TOLERANCE = 1e-5;

let wasm: WasmBackend;
beforeAll(async () => {
  wasm = await createWasmBackend({ relaxed: false });
});

/** A float32 copy of `t`'s elements on `backend`. */
function on(backend: Backend, t: Tensor): Tensor {
  return fromArray(Float32Array.from(t.data), t.shape, { backend });
}

/** Probability rows [n, c] (soft targets). */
function probabilities(n: number, c: number, seed: number): Tensor {
  const t = randomUniform([n, c], new Rng(seed));
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < c; j++) total += t.data[i * c + j]!;
    for (let j = 0; j < c; j++) t.data[i * c + j] = t.data[i * c + j]! / total;
  }
  return t;
}

const labels = (n: number, c: number, seed: number): number[] => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Math.floor(rng.uniform() * c));
};

/**
 * E and ∂E/∂y of `make()` on both backends, twice (the second forward with other values reuses the
 * loss's buffers); backward once into the loss's own buffer and once into a given `out`.
 */
function expectSameLoss<T>(
  make: () => Loss<T>,
  prediction: (seed: number) => Tensor,
  target: (backend: Backend, seed: number) => T,
): void {
  const run = (backend: Backend) => {
    const loss = make();
    const results: { value: number; grad: Float32Array; gradOut: Float32Array }[] = [];
    for (let step = 0; step < 2; step++) {
      const y = on(backend, prediction(10 + step));
      const value = loss.forward(y, target(backend, 20 + step));
      const grad = Float32Array.from(loss.backward().data);
      const out = on(backend, prediction(99));
      const gradOut = Float32Array.from(loss.backward(out).data);
      results.push({ value, grad, gradOut });
    }
    return results;
  };
  const expected = run(jsBackend);
  const actual = run(wasm);
  expected.forEach((e, step) => {
    const a = actual[step]!;
    expect(Math.abs(a.value - e.value) / Math.abs(e.value)).toBeLessThan(TOLERANCE);
    expect(normwiseError(a.grad, e.grad)).toBeLessThan(TOLERANCE);
    expect(Array.from(a.gradOut)).toEqual(Array.from(a.grad));
  });
}

const logits = (seed: number) => randomNormal([16, 10], new Rng(seed), { std: 3 });
const regression = (seed: number) => randomNormal([8, 3], new Rng(seed));

describe("losses on the wasm backend agree with the JS backend (float32, 1e-5)", () => {
  for (const reduction of ["mean", "sum", "half-sum"] as const) {
    it(`MSELoss ${reduction}`, () => {
      expectSameLoss(
        () => new MSELoss({ reduction }),
        regression,
        (b, s) => on(b, regression(s + 50)),
      );
    });
  }
  for (const reduction of ["mean", "sum"] as const) {
    it(`L1Loss ${reduction}`, () => {
      expectSameLoss(
        () => new L1Loss({ reduction }),
        regression,
        (b, s) => on(b, regression(s + 50)),
      );
    });
    it(`HuberLoss ${reduction}`, () => {
      expectSameLoss(
        () => new HuberLoss({ reduction, delta: 0.7 }),
        regression,
        (b, s) => on(b, regression(s + 50)),
      );
    });
    it(`BCEWithLogitsLoss ${reduction}`, () => {
      expectSameLoss(
        () => new BCEWithLogitsLoss({ reduction }),
        regression,
        (b, s) => on(b, randomUniform([8, 3], new Rng(s))),
      );
    });
    it(`CrossEntropyLoss ${reduction}, class labels (the fused kernel)`, () => {
      expectSameLoss<ClassTarget>(
        () => new CrossEntropyLoss({ reduction }),
        logits,
        (_b, s) => labels(16, 10, s),
      );
      expectSameLoss<ClassTarget>(
        () => new CrossEntropyLoss({ reduction }),
        logits,
        (_b, s) => Int32Array.from(labels(16, 10, s)),
      );
    });
    it(`CrossEntropyLoss ${reduction}, label smoothing and probability targets`, () => {
      expectSameLoss<ClassTarget>(
        () => new CrossEntropyLoss({ reduction, labelSmoothing: 0.1 }),
        logits,
        (_b, s) => labels(16, 10, s),
      );
      expectSameLoss<ClassTarget>(
        () => new CrossEntropyLoss({ reduction }),
        logits,
        (b, s) => on(b, probabilities(16, 10, s)),
      );
    });
  }
});

describe("CrossEntropyLoss with class labels runs the backend's fused softmaxCrossEntropy", () => {
  it("computes E and ∂E/∂x in forward; backward copies ∂E/∂x out and leaves the kept one intact", () => {
    const kernel = vi.spyOn(wasm, "softmaxCrossEntropy");
    try {
      const loss = new CrossEntropyLoss();
      const x = on(wasm, logits(1));
      const value = loss.forward(x, [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6]);
      expect(kernel).toHaveBeenCalledTimes(1);
      expect(kernel.mock.results[0]!.value).toBe(value);
      const first = loss.backward();
      const kept = Float32Array.from(first.data);
      first.data.fill(42);
      expect(Array.from(loss.backward().data)).toEqual(Array.from(kept));
      expect(kernel).toHaveBeenCalledTimes(1);
    } finally {
      kernel.mockRestore();
    }
  });

  it("one instance switches between the fused path (labels) and the general one (soft targets)", () => {
    const x = on(wasm, logits(4));
    const t = labels(16, 10, 5);
    const soft = on(wasm, probabilities(16, 10, 6));
    const reused = new CrossEntropyLoss();
    for (const target of [t, soft, t] as ClassTarget[]) {
      const fresh = new CrossEntropyLoss();
      expect(reused.forward(x, target)).toBe(fresh.forward(x, target));
      expect(Array.from(reused.backward().data)).toEqual(Array.from(fresh.backward().data));
    }
  });

  it("the gradient is (softmax − onehot)/N and E is −mean log p_t (float64 reference)", () => {
    const loss = new CrossEntropyLoss();
    const x = on(wasm, logits(2));
    const t = labels(16, 10, 3);
    const value = loss.forward(x, t);
    const g = loss.backward().data;
    let expected = 0;
    for (let i = 0; i < 16; i++) {
      const row = Array.from(x.data.subarray(i * 10, i * 10 + 10));
      const top = Math.max(...row);
      const total = row.reduce((s, v) => s + Math.exp(v - top), 0);
      expected += Math.log(total) + top - row[t[i]!]!;
      for (let j = 0; j < 10; j++) {
        const p = Math.exp(row[j]! - top) / total;
        expect(g[i * 10 + j]!).toBeCloseTo((p - (j === t[i] ? 1 : 0)) / 16, 6);
      }
    }
    expect(value).toBeCloseTo(expected / 16, 5);
  });
});
