import {
  type Backend,
  fromArray,
  jsBackend,
  Rng,
  randomNormal,
  randomUniform,
  type Tensor,
} from "@backprop/tensor";
import { expectProjectBackend, normwiseError, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
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
 * Every loss on the JS backend and on the test project's backend (float32 both): the value E and
 * the gradient ∂E/∂y, each one reduction and/or one elementwise program (float32 SIMD on wasm).
 * Values must agree to 1e-5 relative, gradients to 1e-5 of their scale
 * (max_i |project_i − js_i| / max_i |js_i|): float32 rounding of a softmax over ≤ 10 classes is
 * ~1e-7, a wrong label or scale is off by O(1). (The js and opaque projects agree bitwise.)
 */
const TOLERANCE = 1e-5;

const backend = await projectBackend();

/** A float32 copy of `t`'s elements on `backend`. */
function on(backend: Backend, t: Tensor): Tensor {
  return fromArray(Float32Array.from(t.read()), t.shape, { backend });
}

/** Probability rows [n, c] (soft targets). */
function probabilities(n: number, c: number, seed: number): Tensor {
  const p = randomUniform([n, c], new Rng(seed)).read();
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < c; j++) total += p[i * c + j]!;
    for (let j = 0; j < c; j++) p[i * c + j] = p[i * c + j]! / total;
  }
  return fromArray(p, [n, c]);
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
      const grad = Float32Array.from(loss.backward().read());
      const out = on(backend, prediction(99));
      const gradOut = Float32Array.from(loss.backward(out).read());
      results.push({ value, grad, gradOut });
    }
    return results;
  };
  const expected = run(jsBackend);
  const actual = run(backend);
  expected.forEach((e, step) => {
    const a = actual[step]!;
    expect(Math.abs(a.value - e.value) / Math.abs(e.value)).toBeLessThan(TOLERANCE);
    expect(normwiseError(a.grad, e.grad)).toBeLessThan(TOLERANCE);
    expect(Array.from(a.gradOut)).toEqual(Array.from(a.grad));
  });
}

const logits = (seed: number) => randomNormal([16, 10], new Rng(seed), { std: 3 });
const regression = (seed: number) => randomNormal([8, 3], new Rng(seed));

describe("losses on the project's backend agree with the JS backend (float32, 1e-5)", () => {
  it("run on the test project's backend", () => {
    const loss = new MSELoss();
    loss.forward(on(backend, regression(1)), on(backend, regression(2)));
    expectProjectBackend(loss.backward().backend);
  });

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
    it(`CrossEntropyLoss ${reduction}, class labels`, () => {
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

describe("CrossEntropyLoss on the project's backend", () => {
  it("computes E and ∂E/∂x in forward; backward hands out ∂E/∂x, into `out` as a copy", () => {
    const loss = new CrossEntropyLoss();
    loss.forward(on(backend, logits(1)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6]);
    const kept = Float32Array.from(loss.backward().read());
    const out = on(backend, logits(2));
    expect(Array.from(loss.backward(out).read())).toEqual(Array.from(kept));
    out.write(new Float32Array(out.size).fill(42));
    expect(Array.from(loss.backward().read())).toEqual(Array.from(kept));
  });

  it("one instance switches between class labels and soft targets", () => {
    const x = on(backend, logits(4));
    const t = labels(16, 10, 5);
    const soft = on(backend, probabilities(16, 10, 6));
    const reused = new CrossEntropyLoss();
    for (const target of [t, soft, t] as ClassTarget[]) {
      const fresh = new CrossEntropyLoss();
      expect(reused.forward(x, target)).toBe(fresh.forward(x, target));
      expect(Array.from(reused.backward().read())).toEqual(Array.from(fresh.backward().read()));
    }
  });

  it("the gradient is (softmax − onehot)/N and E is −mean log p_t (float64 reference)", () => {
    const loss = new CrossEntropyLoss();
    const x = on(backend, logits(2));
    const t = labels(16, 10, 3);
    const value = loss.forward(x, t);
    const g = loss.backward().read();
    const xs = x.read();
    let expected = 0;
    for (let i = 0; i < 16; i++) {
      const row = Array.from(xs.subarray(i * 10, i * 10 + 10));
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
