import { describe, expect, it } from "vitest";
import { fromArray, tensor, zeros } from "../create.js";
import { TensorError } from "../errors.js";
import { jsBackend } from "../js-backend.js";
import { checkBackend, createOpaqueBackend } from "./index.js";

describe("createOpaqueBackend", () => {
  const backend = createOpaqueBackend();

  it("hides the elements: storage.data and tensor.data throw, naming the backend and the way out", () => {
    const t = tensor([1, 2, 3], { backend });
    const message = "tensor.data: backend opaque keeps its elements off the CPU; use read() / write()";
    expect(() => t.data).toThrow(TensorError);
    expect(() => t.data).toThrow(message);
    expect(() => (t.storage as unknown as { data: unknown }).data).toThrow(message);
  });

  it("moves elements through read / write, get / set, toArray, clone and toString", () => {
    const t = fromArray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3], { backend });
    t.set(-1, 1, 2);
    expect(t.get(1, 2)).toBe(-1);
    t.write([7, 8], 1);
    expect(Array.from(t.read())).toEqual([1, 7, 8, 4, 5, -1]);
    const copy = t.clone();
    t.write([0]);
    expect(copy.toArray()).toEqual([
      [1, 7, 8],
      [4, 5, -1],
    ]);
    expect(copy.toString()).toBe("Tensor(float64, [2,3])\n[[1, 7, 8],\n [4, 5, -1]]");
    expect(zeros([1], { backend }).item()).toBe(0);
  });

  it("refuses storages of another backend, and two opaque backends share nothing", () => {
    const other = createOpaqueBackend();
    const mine = backend.allocate("float32", 2);
    expect(() => other.read(mine, 0, new Float32Array(2))).toThrow(
      "opaque backend: a storage is not from this backend",
    );
    expect(() => backend.write(jsBackend.allocate("float32", 2), 0, [1])).toThrow("not from this backend");
  });

  it("passes the conformance kit bitwise (it computes as the JS backend)", () => {
    const report = checkBackend(backend, { exact: true });
    expect(report.checks.every((c) => c.passed)).toBe(true);
  });
});
