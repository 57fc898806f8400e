import { describe, expect, it } from "vitest";
import { fromArray, full, ones, randomNormal, randomUniform, tensor, zeros } from "./create.js";
import { parameter } from "./parameter.js";
import { Rng } from "./rng.js";

describe("Tensor creation and conversion", () => {
  it("round-trips nested arrays and infers the shape", () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(5, { dtype: "float64" }).toArray()).toBe(5);
    expect(t.get(1, 2)).toBe(6);
  });
  it("rejects ragged arrays, naming the element", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow("ragged nested array: element [1] has length 1, expected 2");
  });
  it("wraps a typed array without copying and checks its length", () => {
    const data = new Float64Array([1, 2, 3, 4, 5, 6]);
    const t = fromArray(data, [3, 2]);
    expect(t.dtype).toBe("float64");
    data[0] = 42;
    expect(t.get(0, 0)).toBe(42);
    expect(() => fromArray(data, [4, 2])).toThrow("fromArray: shape [4,2] needs 8 elements, got 6");
    expect(() => fromArray(data, [6], { dtype: "float32" })).toThrow(
      "a Float64Array holds float64, but dtype float32",
    );
  });
  it("zeros / ones / full", () => {
    expect(Array.from(zeros([2, 2]).data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(ones([3]).data)).toEqual([1, 1, 1]);
    expect(Array.from(full([2], 0.5, { dtype: "float64" }).data)).toEqual([0.5, 0.5]);
    expect(() => zeros([2, -1])).toThrow(
      "zeros: shape [2,-1] has a dimension that is not a non-negative integer",
    );
    expect(() => zeros([2], { dtype: "int8" as never })).toThrow(
      'zeros: dtype must be "float32" or "float64", got "int8"',
    );
  });
  it("reshape shares storage, infers -1 and checks the size", () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const r = t.reshape([3, -1]);
    expect(r.shape).toEqual([3, 2]);
    r.set(9, 0, 0);
    expect(t.get(0, 0)).toBe(9);
    expect(() => t.reshape([4, 2])).toThrow(
      "reshape: cannot reshape [2,3] (6 elements) to [4,2] (8 elements)",
    );
    expect(() => t.reshape([4, -1])).toThrow("reshape: cannot reshape [2,3] to [4,-1]");
  });
  it("clone copies", () => {
    const t = tensor([1, 2]);
    const c = t.clone();
    c.set(5, 0);
    expect(t.get(0)).toBe(1);
  });
  it("toString shows dtype, shape and rows, summarising large tensors", () => {
    expect(
      tensor([
        [1, 2.5],
        [3, 4],
      ]).toString(),
    ).toBe("Tensor(float32, [2,2])\n[[1, 2.5],\n [3, 4]]");
    const big = zeros([100, 100]).toString();
    expect(big).toContain("...");
    expect(big.length).toBeLessThan(2000);
  });
  it("index errors", () => {
    const t = zeros([2, 3]);
    expect(() => t.get(2, 0)).toThrow("get: index [2,0] is out of bounds for shape [2,3]");
    expect(() => t.get(0)).toThrow("get: index [0] has 1 entries, tensor [2,3] has rank 2");
  });
});

describe("read and write", () => {
  it("read copies the elements out; writes to the copy do not reach the tensor", () => {
    const t = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: "float64" },
    );
    const copy = t.read();
    expect(Array.from(copy)).toEqual([1, 2, 3, 4]);
    expect(copy).toBeInstanceOf(Float64Array);
    copy[0] = 9;
    expect(t.get(0, 0)).toBe(1);
  });

  it("read into a caller's array reuses it, and refuses one of the wrong length", () => {
    const t = tensor([1, 2, 3]);
    const out = new Float32Array(3);
    expect(t.read(out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 2, 3]);
    expect(() => t.read(new Float32Array(2))).toThrow(/3 elements, the output array 2/);
  });

  it("write copies values in at an offset, and refuses what does not fit", () => {
    const t = zeros([2, 2]);
    t.write([5, 6], 2);
    expect(t.toArray()).toEqual([
      [0, 0],
      [5, 6],
    ]);
    expect(() => t.write([1, 2, 3], 2)).toThrow(/3 values at offset 2 do not fit tensor \[2,2\]/);
    expect(() => t.write([1], -1)).toThrow(/offset -1/);
  });
});

describe("random tensors", () => {
  it("are reproducible from the seed and have the right moments", () => {
    const a = randomNormal([20000], new Rng(11), { dtype: "float64", mean: 2, std: 3 });
    const b = randomNormal([20000], new Rng(11), { dtype: "float64", mean: 2, std: 3 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const xs = Array.from(a.data);
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    expect(Math.abs(m - 2)).toBeLessThan(0.1);
    expect(Math.abs(Math.sqrt(v) - 3)).toBeLessThan(0.1);
    const u = randomUniform([20000], new Rng(1), { low: -1, high: 3 });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u.data)).toBeLessThan(3);
  });
});

describe("parameter", () => {
  it("pairs a value with a zero gradient of the same shape and dtype", () => {
    const p = parameter("0.weight", ones([2, 3], { dtype: "float64" }));
    expect(p.grad.shape).toEqual([2, 3]);
    expect(p.grad.dtype).toBe("float64");
    expect(Array.from(p.grad.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => parameter("w", ones([2]), zeros([3]))).toThrow(
      "parameter w: grad float32[3] does not match value float32[2]",
    );
  });
});
