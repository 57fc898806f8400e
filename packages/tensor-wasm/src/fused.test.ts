import {
  type Backend,
  createJsFusedOps,
  fromArray,
  hasFusedOps,
  jsBackend,
  MIN_NORMAL_FLOAT32,
  type Tensor,
  TensorError,
  zeros,
} from "@backprop/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import type { WasmBackend } from "./backend.js";

import { moveTo, normal, wasmBackends } from "./test-helpers.js";

let backends: WasmBackend[];
beforeAll(async () => {
  backends = await wasmBackends();
});

const relu = (x: number) => Math.max(x, 0);
const f32 = Math.fround;

function expectAllClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  context: string,
): void {
  expect(got.length, context).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i]! - want[i]!);
    if (!(error <= rtol * Math.max(1, Math.abs(want[i]!)))) {
      expect.fail(`${context}: [${i}] = ${got[i]}, want ${want[i]}`);
    }
  }
}

describe("FusedOps", () => {
  it("hasFusedOps tells a backend with the fused kernels from one without", () => {
    expect(hasFusedOps(backends[0]!)).toBe(true);
    expect(hasFusedOps(jsBackend)).toBe(true);
    const { name, allocate, gemm, addRowVector, sumRows } = jsBackend;
    expect(hasFusedOps({ name, allocate, gemm, addRowVector, sumRows } as Backend)).toBe(false);
    expect(
      hasFusedOps({ name, allocate, gemm, addRowVector, sumRows, ...createJsFusedOps() } as Backend),
    ).toBe(true);
  });
});

describe("biasActivation and reluBackward", () => {
  it("equal h(x + b) and [a > 0]·g computed naively, for ragged shapes, in place too", () => {
    for (const backend of backends) {
      for (const [m, n] of [
        [1, 1],
        [3, 7],
        [64, 130],
      ] as [number, number][]) {
        const x = normal([m, n], m + n, backend);
        const b = normal([n], n, backend);
        const xs = [...x.data];
        const bs = [...b.data];
        for (const activation of ["identity", "relu"] as const) {
          for (const withBias of [true, false]) {
            const out = zeros([m, n], { backend });
            backend.biasActivation(m, n, x.storage, withBias ? b.storage : null, activation, out.storage);
            const want = xs.map((v, i) => {
              const a = withBias ? f32(v + bs[i % n]!) : v;
              return activation === "relu" ? relu(a) : a;
            });
            expect([...out.data], `${backend.name} ${activation} bias=${withBias}`).toEqual(want);
          }
        }
        const g = normal([m, n], 7 * m, backend);
        const gs = [...g.data];
        const dx = zeros([m, n], { backend });
        backend.reluBackward(m * n, x.storage, g.storage, dx.storage);
        expect([...dx.data]).toEqual(xs.map((v, i) => (v > 0 ? gs[i]! : 0)));
        backend.biasActivation(m, n, x.storage, b.storage, "relu", x.storage);
        expect([...x.data]).toEqual(xs.map((v, i) => relu(f32(v + bs[i % n]!))));
      }
    }
  });

  it("reluBackward takes h′(0) = 0", () => {
    for (const backend of backends) {
      const a = fromArray([0, -0, 1e-30, -1, 2], [5], { backend });
      const g = fromArray([5, 5, 5, 5, 5], [5], { backend });
      backend.reluBackward(5, a.storage, g.storage, g.storage);
      expect([...g.data]).toEqual([0, 0, 5, 0, 5]);
    }
  });
});

/** Naive float64 softmax cross-entropy: E = −Σ_i log(e^{x_{i,t_i}} / Σ_j e^{x_ij}), grad = softmax − onehot. */
function naiveSoftmaxCrossEntropy(x: number[], labels: number[], m: number, n: number) {
  let loss = 0;
  const grad: number[] = [];
  for (let i = 0; i < m; i++) {
    const row = x.slice(i * n, (i + 1) * n);
    const shift = Math.max(...row);
    const e = row.map((v) => Math.exp(v - shift));
    const total = e.reduce((s, v) => s + v, 0);
    loss -= Math.log(e[labels[i]!]! / total);
    for (let j = 0; j < n; j++) grad.push(e[j]! / total - (j === labels[i] ? 1 : 0));
  }
  return { loss, grad };
}

describe("softmaxCrossEntropy", () => {
  it("matches a naive float64 reference (sum and mean), float32 and float64", () => {
    for (const backend of backends) {
      for (const dtype of ["float32", "float64"] as const) {
        const [m, n] = [37, 10];
        const x = normal([m, n], 3, backend, dtype);
        const labels = Array.from({ length: m }, (_, i) => (i * 7) % n);
        const want = naiveSoftmaxCrossEntropy([...x.data], labels, m, n);
        for (const reduction of ["sum", "mean"] as const) {
          const scale = reduction === "mean" ? 1 / m : 1;
          const grad = zeros([m, n], { backend, dtype });
          const loss = backend.softmaxCrossEntropy(m, n, x.storage, labels, grad.storage, reduction);
          const tol = dtype === "float32" ? 1e-6 : 1e-12;
          expect(Math.abs(loss - scale * want.loss)).toBeLessThan(tol * scale * want.loss);
          expectAllClose(
            grad.data,
            want.grad.map((g) => scale * g),
            tol,
            `${backend.name} ${dtype} ${reduction}`,
          );
          expect(backend.softmaxCrossEntropy(m, n, x.storage, Int32Array.from(labels), null, reduction)).toBe(
            loss,
          );
        }
      }
    }
  });

  it("gives log n for equal logits and stays finite for huge ones", () => {
    for (const backend of backends) {
      const flat = zeros([2, 4], { backend });
      expect(backend.softmaxCrossEntropy(2, 4, flat.storage, [0, 3], null, "mean")).toBeCloseTo(
        Math.log(4),
        6,
      );
      const huge = fromArray([1e30, -1e30, 0, 3e38], [2, 2], { backend });
      const grad = zeros([2, 2], { backend });
      const loss = backend.softmaxCrossEntropy(2, 2, huge.storage, [0, 1], grad.storage, "sum");
      expect(loss).toBe(0);
      expect([...grad.data]).toEqual([0, 0, 0, 0]);
      // the gradient may overwrite the logits
      const x = fromArray([1, 2, 3], [1, 3], { backend });
      const want = naiveSoftmaxCrossEntropy([1, 2, 3], [2], 1, 3);
      backend.softmaxCrossEntropy(1, 3, x.storage, [2], x.storage, "sum");
      expectAllClose(x.data, want.grad, 1e-6, "in place");
    }
  });

  it("rejects bad labels", () => {
    const [backend] = backends as [WasmBackend];
    const x = zeros([2, 3], { backend });
    expect(() => backend.softmaxCrossEntropy(2, 3, x.storage, [0, 3], null, "sum")).toThrow(
      /label 1 is 3, expected an integer in \[0, 3\)/,
    );
    expect(() => backend.softmaxCrossEntropy(2, 3, x.storage, [0.5, 1], null, "sum")).toThrow(TensorError);
    expect(() => backend.softmaxCrossEntropy(2, 3, x.storage, [0], null, "sum")).toThrow(
      /2 rows of logits but 1 labels/,
    );
  });
});

describe("sgdStep", () => {
  it("follows v ← μv + g + λw, w ← w − η(v or g + μv) computed naively in float64", () => {
    for (const backend of backends) {
      for (const [momentum, weightDecay, nesterov] of [
        [0, 0, false],
        [0.9, 0, false],
        [0.9, 0.01, true],
      ] as const) {
        const n = 103;
        const w = normal([n], 1, backend);
        const vel = zeros([n], { backend });
        const wRef = [...w.data];
        const vRef = new Array<number>(n).fill(0);
        for (let t = 1; t <= 5; t++) {
          const g = normal([n], 10 + t, backend);
          const gs = [...g.data];
          backend.sgdStep(n, w.storage, g.storage, momentum === 0 ? null : vel.storage, {
            lr: 0.1,
            momentum,
            weightDecay,
            nesterov,
          });
          for (let i = 0; i < n; i++) {
            const gi = gs[i]! + weightDecay * wRef[i]!;
            vRef[i] = momentum * vRef[i]! + gi;
            wRef[i] = wRef[i]! - 0.1 * (momentum === 0 ? gi : nesterov ? gi + momentum * vRef[i]! : vRef[i]!);
          }
        }
        expectAllClose(
          w.data,
          wRef,
          1e-5,
          `${backend.name} μ=${momentum} λ=${weightDecay} nesterov=${nesterov}`,
        );
        if (momentum !== 0) expectAllClose(vel.data, vRef, 1e-5, `${backend.name} velocity`);
      }
    }
  });

  it("needs a velocity buffer for momentum", () => {
    const [backend] = backends as [WasmBackend];
    const w = zeros([3], { backend });
    expect(() => backend.sgdStep(3, w.storage, w.storage, null, { lr: 0.1, momentum: 0.9 })).toThrow(
      /velocity/,
    );
  });
});

describe("adamStep", () => {
  /** Naive float64 Adam/AdamW (PyTorch's formulas), without flushing. */
  function naiveAdam(
    w: number[],
    m: number[],
    v: number[],
    g: number[],
    t: number,
    decoupled: boolean,
    wd: number,
  ) {
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-8];
    for (let i = 0; i < w.length; i++) {
      const gi = decoupled ? g[i]! : g[i]! + wd * w[i]!;
      if (decoupled) w[i] = w[i]! * (1 - lr * wd);
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      const mHat = m[i]! / (1 - b1 ** t);
      const vHat = v[i]! / (1 - b2 ** t);
      w[i] = w[i]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }

  it("matches naive float64 Adam and AdamW over several steps (float32 and float64)", () => {
    for (const backend of backends) {
      for (const dtype of ["float32", "float64"] as const) {
        for (const [decoupled, weightDecay] of [
          [false, 0],
          [false, 0.1],
          [true, 0.1],
        ] as const) {
          const n = 67;
          const w = normal([n], 2, backend, dtype);
          const m = zeros([n], { backend, dtype });
          const v = zeros([n], { backend, dtype });
          const ref = { w: [...w.data], m: new Array<number>(n).fill(0), v: new Array<number>(n).fill(0) };
          for (let t = 1; t <= 6; t++) {
            const g = normal([n], 20 + t, backend, dtype);
            naiveAdam(ref.w, ref.m, ref.v, [...g.data], t, decoupled, weightDecay);
            backend.adamStep(n, w.storage, g.storage, m.storage, v.storage, {
              lr: 0.01,
              step: t,
              weightDecay,
              decoupled,
            });
          }
          const tol = dtype === "float32" ? 1e-5 : 1e-12;
          const context = `${backend.name} ${dtype} decoupled=${decoupled} λ=${weightDecay}`;
          expectAllClose(w.data, ref.w, tol, context);
          expectAllClose(m.data, ref.m, tol, `${context} m`);
          expectAllClose(v.data, ref.v, tol, `${context} v`);
        }
      }
    }
  });

  it("keeps (1 − β1) and (1 − β2) to float32 precision: m and v after one step are g/10 and g²/1000", () => {
    for (const backend of backends) {
      const n = 9;
      const g = normal([n], 3, backend);
      const [w, m, v] = [zeros([n], { backend }), zeros([n], { backend }), zeros([n], { backend })];
      backend.adamStep(n, w.storage, g.storage, m.storage, v.storage, { lr: 0.01, step: 1 });
      for (let i = 0; i < n; i++) {
        const gi = g.data[i]!;
        expect(Math.abs(m.data[i]! - 0.1 * gi) / Math.abs(0.1 * gi), backend.name).toBeLessThan(3e-7);
        expect(Math.abs(v.data[i]! - 0.001 * gi * gi) / (0.001 * gi * gi), backend.name).toBeLessThan(3e-7);
      }
    }
  });

  it("flushes moments that turn subnormal to zero, and keeps the smallest normal", () => {
    for (const backend of backends) {
      // 9 lanes: 2 full f32x4 vectors and a scalar tail. Zero gradients: m ← β1·m, v ← β2·v.
      const n = 9;
      const start = [
        1e-38,
        -1e-38,
        (MIN_NORMAL_FLOAT32 / 0.9) * 1.001,
        1.2e-38,
        1,
        1e-38,
        1e-38,
        1e-38,
        1.2e-38,
      ];
      const m = fromArray(start, [n], { backend });
      const v = fromArray(start.map(Math.abs), [n], { backend });
      const w = fromArray(new Array(n).fill(1), [n], { backend });
      const g = zeros([n], { backend });
      backend.adamStep(n, w.storage, g.storage, m.storage, v.storage, { lr: 0.01, step: 1 });
      const ms = [...m.data];
      // 0.9·1e-38 and 0.9·1.2e-38 (from a normal 1.2e-38) are below 2^-126 ≈ 1.17549435e-38: flushed to +0.
      expect(Object.is(ms[0], 0) && Object.is(ms[1], 0) && ms[3] === 0 && ms[8] === 0).toBe(true);
      expect(ms[2]).toBeGreaterThanOrEqual(MIN_NORMAL_FLOAT32);
      expect(ms[4]).toBe(f32(0.9));
      // v ← 0.999·v: 0.999e-38 is subnormal too
      expect(v.data[0]).toBe(0);
      expect(v.data[2]).toBeGreaterThanOrEqual(MIN_NORMAL_FLOAT32);
      expect([...w.data].every(Number.isFinite)).toBe(true);
    }
  });

  it("rejects a step below 1", () => {
    const [backend] = backends as [WasmBackend];
    const w = zeros([3], { backend });
    expect(() =>
      backend.adamStep(3, w.storage, w.storage, w.storage, w.storage, { lr: 0.1, step: 0 }),
    ).toThrow(/step must be an integer ≥ 1, got 0/);
  });
});

describe("the JS fused ops on float32 agree with the wasm kernels", () => {
  it("for Adam with flushing", () => {
    const js = createJsFusedOps();
    for (const backend of backends) {
      const n = 50;
      const w = normal([n], 4, backend);
      const m = normal([n], 5, backend);
      const v = zeros([n], { backend });
      const g = normal([n], 6, backend);
      const [wj, mj, vj, gj] = [w, m, v, g].map((t) => moveTo(t, jsBackend)) as [
        Tensor,
        Tensor,
        Tensor,
        Tensor,
      ];
      backend.adamStep(n, w.storage, g.storage, m.storage, v.storage, {
        lr: 0.001,
        step: 3,
        weightDecay: 0.01,
      });
      js.adamStep(n, wj.storage, gj.storage, mj.storage, vj.storage, {
        lr: 0.001,
        step: 3,
        weightDecay: 0.01,
      });
      expectAllClose(w.data, wj.data, 1e-6, backend.name);
      expectAllClose(m.data, mj.data, 1e-6, backend.name);
    }
  });
});
