import { jsBackend, matmul, zeros } from "@backprop/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWasmBackend, type WasmBackend } from "./backend.js";
import { moveTo, normal } from "./test-helpers.js";

const CASES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

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
  it("gives bit-identical results to one thread, for every transpose case and ragged row counts", {
    timeout: 120_000,
  }, () => {
    let seed = 100;
    for (const [m, k, n] of [
      [128, 784, 256],
      [130, 257, 129],
      [13, 2000, 30],
      [9, 64, 64],
      [5, 3, 2],
    ] as [number, number, number][]) {
      for (const [tA, tB] of CASES) {
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
