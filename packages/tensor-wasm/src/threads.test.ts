import { jsBackend, map, matmul, zeros } from "@backprop/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWasmBackend, type WasmBackend } from "./backend.js";
import { moveTo, normal, TRANSPOSE_CASES } from "./test-helpers.js";

let single: WasmBackend[];
let threaded: WasmBackend[];
beforeAll(async () => {
  single = [await createWasmBackend({ relaxed: false }), await createWasmBackend({ relaxed: true })];
  threaded = [
    await createWasmBackend({ relaxed: false, threads: 2 }),
    await createWasmBackend({ relaxed: true, threads: 2 }),
    await createWasmBackend({ relaxed: false, threads: 3 }),
  ];
}, 60_000);
afterAll(async () => {
  await Promise.all(threaded.map((backend) => backend.close()));
});

describe("gemm on worker threads", () => {
  // Seconds of work: generous timeout for a loaded machine.
  it("gives bit-identical results to one thread, for every transpose case and ragged shapes", {
    timeout: 120_000,
  }, () => {
    let seed = 100;
    // Blocks of columns (ragged last panel), of rows (C of 1–2 panels), both, and k past KC = 1024.
    for (const [m, k, n] of [
      [128, 784, 256],
      [130, 257, 129],
      [13, 2000, 30],
      [301, 64, 5],
      [66, 70, 12],
      [9, 64, 64],
      [5, 3, 2],
    ] as [number, number, number][]) {
      for (const [tA, tB] of TRANSPOSE_CASES) {
        const a = normal(tA ? [k, m] : [m, k], seed++, jsBackend);
        const b = normal(tB ? [n, k] : [k, n], seed++, jsBackend);
        const c0 = normal([m, n], seed++, jsBackend);
        for (const backend of threaded) {
          const reference = single[backend.name === "wasm-simd" ? 0 : 1]!;
          const options = { transposeA: tA, transposeB: tB, alpha: 0.75, beta: 0.5 };
          const want = matmul(moveTo(a, reference), moveTo(b, reference), {
            ...options,
            out: moveTo(c0, reference),
          });
          const got = matmul(moveTo(a, backend), moveTo(b, backend), {
            ...options,
            out: moveTo(c0, backend),
          });
          expect([...got.data], `${backend.name}×${backend.threads} ${m}×${k}×${n} ${tA}/${tB}`).toEqual([
            ...want.data,
          ]);
        }
      }
    }
  });

  it("gives bit-identical elementwise kernels (bias + activation, ReLU backward, SGD, Adam) to one thread", () => {
    let seed = 500;
    for (const [m, n] of [
      [128, 256],
      [1, 40_000],
      [37, 1001],
      [0, 7],
    ] as [number, number][]) {
      const length = m * n;
      const x = normal([m, n], seed++, jsBackend);
      const bias = normal([n], seed++, jsBackend);
      const g = normal([m, n], seed++, jsBackend);
      const moment = normal([m, n], seed++, jsBackend);
      const second = map(normal([m, n], seed++, jsBackend), (v) => v * v);
      for (const backend of threaded) {
        const reference = single[backend.name === "wasm-simd" ? 0 : 1]!;
        const results = [reference, backend].map((on) => {
          const out = moveTo(x, on);
          const added = moveTo(x, on);
          on.biasActivation(m, n, out.storage, moveTo(bias, on).storage, "relu", out.storage);
          on.addRowVector(m, n, added.storage, moveTo(bias, on).storage, added.storage);
          const masked = moveTo(g, on);
          on.reluBackward(length, moveTo(x, on).storage, masked.storage, masked.storage);
          const [w, velocity] = [moveTo(x, on), moveTo(moment, on)];
          const sgd = { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true };
          on.sgdStep(length, w.storage, moveTo(g, on).storage, velocity.storage, sgd);
          on.sgdStep(length, w.storage, moveTo(g, on).storage, null, { lr: 0.1 });
          const [wa, m1, m2] = [moveTo(x, on), moveTo(moment, on), moveTo(second, on)];
          for (const step of [1, 2]) {
            on.adamStep(length, wa.storage, moveTo(g, on).storage, m1.storage, m2.storage, {
              lr: 0.01,
              step,
              weightDecay: 0.1,
              decoupled: step === 2,
            });
          }
          return [out, added, masked, w, velocity, wa, m1, m2].map((t) => t.data.slice());
        });
        const [want, got] = results as [Float32Array[], Float32Array[]];
        want.forEach((expected, i) => {
          const firstDifference = got[i]!.findIndex((value, j) => !Object.is(value, expected[j]));
          expect(firstDifference, `${backend.name}×${backend.threads} ${m}×${n}, output ${i}`).toBe(-1);
        });
      }
    }
  });

  it("keeps working after the shared memory grows", () => {
    const backend = threaded[0]!;
    const a = normal([64, 64], 1, backend);
    const before = matmul(a, a).toArray();
    const big = zeros([8192, 1024], { backend });
    expect(big.data.length).toBe(8192 * 1024);
    const b = normal([64, 64], 1, backend);
    expect(matmul(b, b).toArray()).toEqual(before);
    expect(matmul(a, a).toArray()).toEqual(before);
  });

  it("refuses gemm after close()", async () => {
    const backend = await createWasmBackend({ threads: 2 });
    const a = normal([4, 4], 1, backend);
    await backend.close();
    expect(() => matmul(a, a)).toThrow(/stopped by close\(\)/);
  });

  it("rejects a thread count that is not a positive integer", async () => {
    await expect(createWasmBackend({ threads: 0 })).rejects.toThrow(/threads must be an integer ≥ 1, got 0/);
    await expect(createWasmBackend({ threads: 1.5 })).rejects.toThrow(/threads must be an integer/);
  });
});
