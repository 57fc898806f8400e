import {
  columnIndex,
  columnVector,
  evaluate,
  jsBackend,
  lazy,
  map,
  matmul,
  type ReduceKind,
  rowIndex,
  rowVector,
  type Tensor,
  zeros,
} from "@backprop/tensor";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWasmBackend, type WasmBackend } from "./backend.js";
import { PREFAULT_BYTES } from "./heap.js";
import { moveTo, normal, TRANSPOSE_CASES } from "./test-kit.js";
import { KernelThreads } from "./threads.js";

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

  it("runs elementwise programs bit-identically to one thread, sums included (1e6 elements, 257×1031 with row and column inputs)", () => {
    const flat = 1_000_000;
    const [m, n] = [257, 1031];
    const inputs = {
      w: normal([flat], 601, jsBackend),
      g: normal([flat], 602, jsBackend),
      v: map(normal([flat], 603, jsBackend), (x) => x * x),
      x: normal([m, n], 604, jsBackend),
      bias: normal([n], 605, jsBackend),
      labels: map(normal([m], 606, jsBackend), (x) => Math.abs(Math.floor(x * 300)) % n),
    };
    for (const backend of threaded) {
      const reference = single[backend.name === "wasm-simd" ? 0 : 1]!;
      const results = [reference, backend].map((on) => {
        const [w, g, v, x, bias, labels] = Object.values(inputs).map((t) => moveTo(t, on)) as Tensor[];
        const out = zeros([m, n], { backend: on });
        // An Adam-shaped update in place, with the squared gradient's sum in the same pass.
        const v1 = lazy(v!)
          .mul(0.999)
          .add(lazy(g!).mul(lazy(g!)).mul(0.001));
        const flatSums = evaluate({
          shape: flat,
          assign: [
            [v!, v1],
            [w!, lazy(w!).sub(lazy(g!).div(v1.sqrt().add(1e-8)).mul(1e-3))],
          ],
          sums: [lazy(g!).mul(lazy(g!)), lazy(w!).abs()],
        });
        // A dense epilogue and a loss-shaped pass: bias row, ReLU, labels by column index.
        const z = lazy(x!).add(rowVector(bias!)).max(0);
        const matrixSums = evaluate({
          shape: [m, n],
          assign: [[out, z.exp().sub(columnIndex().eq(columnVector(labels!)))]],
          sums: [z, z.tanh().mul(rowIndex())],
        });
        return { tensors: [w!, v!, out].map((t) => t.read()), sums: [...flatSums, ...matrixSums] };
      });
      const [want, got] = results as [(typeof results)[0], (typeof results)[0]];
      expect(got.sums, `${backend.name}×${backend.threads} sums`).toEqual(want.sums);
      want.tensors.forEach((expected, i) => {
        const firstDifference = got.tensors[i]!.findIndex((value, j) => !Object.is(value, expected[j]));
        expect(firstDifference, `${backend.name}×${backend.threads} output ${i}`).toBe(-1);
      });
    }
  });

  it("finds one NaN or ±∞ in any chunk, at a chunk's edge or in a row's last lanes, on every thread count", () => {
    const [m, n] = [123, 8195]; // rows end 3 lanes past a vector; chunks of 8192 cross rows
    const total = m * n;
    const clean = normal([m, n], 611, jsBackend).read();
    const places = [0, 8191, 8192, 5 * 8195 - 1, 5 * 8195 - 3, total - 1];
    for (const backend of [...single, ...threaded]) {
      const x = zeros([m, n], { backend });
      const bias = moveTo(normal([n], 612, jsBackend), backend);
      const out = zeros([m, n], { backend });
      const check = (): number[] =>
        evaluate({
          shape: [m, n],
          assign: [[out, lazy(x).add(rowVector(bias)).mul(2)]],
          sums: [lazy(x)],
          nonFinite: [lazy(x).mul(0), lazy(x).add(rowVector(bias))],
        });
      x.write(clean);
      const [sum, ...flags] = check();
      expect(flags, `${backend.name}×${backend.threads} clean`).toEqual([0, 0]);
      expect(Number.isFinite(sum)).toBe(true);
      for (const at of places) {
        for (const bad of [Number.NaN, Infinity, -Infinity]) {
          x.write(clean);
          x.write([bad], at);
          expect(check().slice(1), `${backend.name}×${backend.threads} ${bad} at ${at}`).toEqual([1, 1]);
        }
      }
    }
  });

  it("runs reductions bit-identically to one thread (both axes, every kind, wide, tall and ragged shapes)", () => {
    const kinds: ReduceKind[] = ["sum", "max", "logsumexp"];
    for (const [m, n] of [
      [257, 1031],
      [100_000, 3],
      [3, 100_000],
    ] as [number, number][]) {
      const x = normal([m, n], m + n, jsBackend);
      for (const backend of threaded) {
        const reference = single[backend.name === "wasm-simd" ? 0 : 1]!;
        for (const kind of kinds) {
          for (const axis of [0, 1] as const) {
            const [want, got] = [reference, backend].map((on) => {
              const out = normal([axis === 0 ? n : m], 7, on);
              on.reduce(kind, axis, m, n, moveTo(x, on).storage, kind === "sum" ? 0.5 : 0, out.storage);
              return out.read();
            }) as [Float32Array, Float32Array];
            const firstDifference = got.findIndex((value, j) => !Object.is(value, want[j]));
            expect(firstDifference, `${backend.name}×${backend.threads} ${kind} axis ${axis} ${m}×${n}`).toBe(
              -1,
            );
          }
        }
      }
    }
  });

  it("keeps working after the shared memory grows", () => {
    const backend = threaded[0]!;
    const a = normal([64, 64], 1, backend);
    const before = matmul(a, a).toArray();
    const big = zeros([8192, 1024], { backend });
    expect(big.size).toBe(8192 * 1024);
    const b = normal([64, 64], 1, backend);
    expect(matmul(b, b).toArray()).toEqual(before);
    expect(matmul(a, a).toArray()).toEqual(before);
  });

  it("zeroes a block of PREFAULT_BYTES or more (split across the threads): all of it and nothing around it", async () => {
    // A new backend, so that its heap hands out the three blocks one after the other.
    const backend = await createWasmBackend({ threads: 2 });
    const filled = (length: number, value: number) => {
      const storage = backend.allocate("float32", length);
      storage.data.fill(value);
      return storage;
    };
    const length = PREFAULT_BYTES / 4 + 12_345; // not a whole number of zeroing chunks
    const before = filled(1000, 1.5);
    const big = backend.allocate("float32", length);
    const after = filled(1000, 2.5);
    expect(before.byteOffset < big.byteOffset && big.byteOffset < after.byteOffset).toBe(true);
    expect(big.data.every((x) => x === 0)).toBe(true);
    big.data.fill(7);
    backend.dispose(big);
    const reused = backend.allocate("float32", length);
    expect(reused.byteOffset).toBe(big.byteOffset);
    expect(reused.data.every((x) => x === 0)).toBe(true);
    expect(before.data.every((x) => x === 1.5)).toBe(true);
    expect(after.data.every((x) => x === 2.5)).toBe(true);
    await backend.close();
  });

  it("hands a large block's zeroing, fresh or reused, to its thread pool, and a small block's to none", async () => {
    // Spied before the backend starts: the heap holds the pool's `zero` bound at creation.
    const zero = vi.spyOn(KernelThreads.prototype, "zero");
    const backend = await createWasmBackend({ threads: 2 });
    try {
      backend.dispose(backend.allocate("float32", 1000));
      backend.allocate("float32", 1000);
      expect(zero).not.toHaveBeenCalled();
      const big = backend.allocate("float32", PREFAULT_BYTES / 4);
      expect(zero.mock.calls).toEqual([[big.byteOffset, PREFAULT_BYTES]]);
      backend.dispose(big);
      const reused = backend.allocate("float32", PREFAULT_BYTES / 4);
      expect(reused.byteOffset).toBe(big.byteOffset);
      expect(zero).toHaveBeenCalledTimes(2);
      const [at, bytes] = zero.mock.calls[1]!;
      expect(at).toBe(big.byteOffset);
      expect(bytes).toBeGreaterThanOrEqual(PREFAULT_BYTES);
    } finally {
      zero.mockRestore();
      await backend.close();
    }
  });

  it("still allocates large blocks after close(), zeroed on the calling thread", async () => {
    const backend = await createWasmBackend({ threads: 2 });
    const big = backend.allocate("float32", PREFAULT_BYTES / 4);
    big.data.fill(3);
    backend.dispose(big);
    await backend.close();
    expect(backend.allocate("float32", PREFAULT_BYTES / 4).data.every((x) => x === 0)).toBe(true);
  });

  it("gathers a batch's rows on its threads exactly, in chunks of whole rows with a ragged last one", async () => {
    const gather = vi.spyOn(KernelThreads.prototype, "gatherRows");
    try {
      for (const [dtype, n] of [
        ["float32", 784],
        ["float64", 333],
      ] as const) {
        const [m, count] = [3000, 301];
        const source = Float64Array.from({ length: m * n }, (_, e) => e * 0.5 - 7);
        const rows = Int32Array.from({ length: count }, (_, r) => (r === 0 ? m - 1 : (r * 7919) % m));
        for (const backend of [threaded[0]!, threaded[2]!]) {
          const from = backend.allocate(dtype, m * n);
          from.data.set(source);
          const out = backend.allocate(dtype, count * n);
          const calls = gather.mock.calls.length;
          backend.gatherRows(from, n, rows, out);
          expect(gather.mock.calls.length).toBe(calls + 1);
          const want = new Float64Array(count * n);
          rows.forEach((row, r) => {
            want.set(source.subarray(row * n, (row + 1) * n), r * n);
          });
          expect(Array.from(out.data), `${dtype} on ${backend.threads} threads`).toEqual(Array.from(want));
        }
      }
    } finally {
      gather.mockRestore();
    }
  });

  it("says how long each worker ran chunks and the calling thread waited: within the calls' time, none with one thread", async () => {
    const backend = await createWasmBackend({ threads: 2 });
    try {
      expect(backend.threadTimes()).toEqual({ workerBusy: [0], callerWaiting: 0 });
      const a = normal([512, 512], 1, backend);
      const out = zeros([512, 512], { backend });
      let inCalls = 0;
      for (let call = 0; call < 5; call++) {
        const start = performance.now();
        matmul(a, a, { out });
        inCalls += (performance.now() - start) / 1000;
      }
      const { workerBusy, callerWaiting } = backend.threadTimes();
      expect(workerBusy).toHaveLength(1);
      // Eight column blocks a product: the worker runs some of them, and only while a call runs.
      expect(workerBusy[0]).toBeGreaterThan(0);
      expect(workerBusy[0]).toBeLessThanOrEqual(inCalls);
      expect(callerWaiting).toBeGreaterThanOrEqual(0);
      expect(callerWaiting).toBeLessThan(inCalls);
      // A job small enough for the calling thread alone leaves the worker's time as it was.
      matmul(normal([4, 4], 2, backend), normal([4, 4], 3, backend));
      expect(backend.threadTimes().workerBusy).toEqual(workerBusy);
    } finally {
      await backend.close();
    }
    expect(single[0]!.threadTimes()).toEqual({ workerBusy: [], callerWaiting: 0 });
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
