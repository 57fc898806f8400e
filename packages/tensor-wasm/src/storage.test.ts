import { addRowVector, fromArray, jsBackend, sumAxis0, zeros } from "@backprop/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import { createWasmBackend, type WasmBackend } from "./backend.js";
import { sizeClass } from "./heap.js";
import type { WasmStorage } from "./storage.js";
import { moveTo, normal, wasmBackends } from "./test-kit.js";

let backends: WasmBackend[];
beforeAll(async () => {
  backends = await wasmBackends();
});

describe("bias broadcast and bias gradient on the primitives", () => {
  it("addRowVector (a program with a row input) and sumAxis0 (reduce sum, axis 0) equal the JS backend bit for bit", () => {
    for (const backend of backends) {
      for (const dtype of ["float32", "float64"] as const) {
        for (const [m, n] of [
          [1, 1],
          [3, 5],
          [128, 256],
          [17, 10],
        ] as [number, number][]) {
          const x = normal([m, n], m * n, jsBackend, dtype);
          const v = normal([n], n, jsBackend, dtype);
          const xw = moveTo(x, backend);
          const vw = moveTo(v, backend);
          expect([...addRowVector(xw, vw).read()]).toEqual([...addRowVector(x, v).read()]);
          expect([...sumAxis0(xw).read()]).toEqual([...sumAxis0(x).read()]);
          const accumulated = moveTo(v, backend);
          sumAxis0(xw, accumulated, true);
          expect([...accumulated.read()]).toEqual([...sumAxis0(x, v.clone(), true).read()]);
        }
      }
    }
  });

  it("addRowVector may write in place", () => {
    const [backend] = backends as [WasmBackend];
    const x = fromArray([1, 2, 3, 4, 5, 6], [2, 3], { backend });
    const v = fromArray([10, 20, 30], [3], { backend });
    addRowVector(x, v, x);
    expect([...x.read()]).toEqual([11, 22, 33, 14, 25, 36]);
  });
});

describe("read and write", () => {
  it("copy elements in and out at an offset, rounding to the storage's dtype", () => {
    const [backend] = backends as [WasmBackend];
    const s = backend.allocate("float32", 5);
    backend.write(s, 1, [1.1, 2, 3]);
    const out = new Float64Array(4);
    backend.read(s, 0, out);
    expect([...out]).toEqual([0, Math.fround(1.1), 2, 3]);
    const d = backend.allocate("float64", 2);
    backend.write(d, 0, new Float64Array([0.1, 0.2]));
    const back = new Float64Array(2);
    backend.read(d, 0, back);
    expect([...back]).toEqual([0.1, 0.2]);
  });

  it("refuse ranges outside the storage, naming the range and the length", () => {
    const [backend] = backends as [WasmBackend];
    const s = backend.allocate("float32", 4);
    expect(() => backend.write(s, 2, [1, 2, 3])).toThrow(
      /write: elements \[2, 5\) are outside the storage's 4 elements/,
    );
    expect(() => backend.read(s, -1, new Float32Array(1))).toThrow(/read: elements \[-1, 0\) are outside/);
    expect(() => backend.read(jsBackend.allocate("float32", 4), 0, new Float32Array(1))).toThrow(
      /read: storage is not from this wasm backend/,
    );
  });
});

describe("storage in linear memory", () => {
  it("is zero-filled and 64-byte aligned", () => {
    const [backend] = backends as [WasmBackend];
    for (const length of [0, 1, 3, 1000]) {
      const s = backend.allocate("float32", length);
      expect(s.byteOffset % 64).toBe(0);
      expect(s.data.length).toBe(length);
      expect(s.data.every((x) => x === 0)).toBe(true);
    }
  });

  it("keeps tensors' data valid when memory grows (views are re-created)", async () => {
    const backend = await createWasmBackend({ relaxed: false });
    const t = fromArray([1, 2, 3, 4], [2, 2], { backend });
    const d = zeros([3], { backend, dtype: "float64" });
    d.data.set([0.1, 0.2, 0.3]);
    const oldView = t.data;
    const before = backend.memoryStats().memoryBytes;
    const big = zeros([4096, 1024], { backend });
    expect(backend.memoryStats().memoryBytes).toBeGreaterThan(before);
    expect(oldView.length).toBe(0); // growth detached the old buffer
    expect([...t.data]).toEqual([1, 2, 3, 4]);
    expect([...d.data]).toEqual([0.1, 0.2, 0.3]);
    expect(t.data.buffer).toBe(big.data.buffer);
    big.data[big.size - 1] = 7;
    expect(big.data[big.size - 1]).toBe(7);
  });

  it("reuses disposed blocks, zeroed, and refuses a disposed storage", () => {
    const [backend] = backends as [WasmBackend];
    const a = fromArray(new Float32Array(300).fill(5), [300], { backend });
    const offset = (a.storage as WasmStorage).byteOffset;
    const { liveBytes } = backend.memoryStats();
    backend.dispose(a.storage);
    expect(backend.memoryStats().liveBytes).toBe(liveBytes - sizeClass(1200));
    expect(() => a.data).toThrow(/disposed/);
    expect(() => backend.gemm(false, false, 1, 1, 1, 1, a.storage, a.storage, 0, a.storage)).toThrow(
      /disposed/,
    );
    backend.dispose(a.storage); // a second dispose is a no-op
    const b = zeros([290], { backend });
    expect((b.storage as WasmStorage).byteOffset).toBe(offset);
    expect(b.data.every((x) => x === 0)).toBe(true);
  });

  it("frees the memory of storages that were garbage-collected without dispose()", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "run with node --expose-gc (see vitest.config.ts)").toBeTypeOf("function");
    const backend = await createWasmBackend({ relaxed: false });
    const allocate = () => {
      for (let i = 0; i < 10; i++) zeros([1000], { backend });
    };
    allocate();
    expect(backend.memoryStats().freeBytes).toBe(0);
    for (let round = 0; round < 50 && backend.memoryStats().freeBytes < 10 * sizeClass(4000); round++) {
      gc!();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(backend.memoryStats().freeBytes).toBe(10 * sizeClass(4000));
    expect(backend.memoryStats().liveBytes).toBe(0);
  });

  it("size classes keep 64-byte alignment and waste under 25% above 256 bytes", () => {
    for (const bytes of [1, 64, 65, 100, 1000, 4096, 4097, 123457, 10_000_000]) {
      const size = sizeClass(bytes);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size % 64).toBe(0);
      if (bytes > 256) expect(size).toBeLessThan(bytes * 1.25 + 1);
    }
  });
});
