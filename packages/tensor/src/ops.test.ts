import { describe, expect, it } from "vitest";
import { fromArray, full, ones, randomUniform, tensor, zeros } from "./create.js";
import { jsBackend } from "./js-backend.js";
import { add, addRowVector, axpy, copy, div, map, map2, mul, scale, sub } from "./ops/elementwise.js";
import { argmaxRows, dot, max, mean, norm, reduceAxis, sum, sumAxis0 } from "./ops/reduce.js";
import { selectRows } from "./ops/select-rows.js";
import { Rng } from "./rng.js";
import { createOpaqueBackend } from "./testing/index.js";

for (const backend of [jsBackend, createOpaqueBackend()]) {
  const f32 = { backend };
  const f64 = { dtype: "float64", backend } as const;
  describe(`on the ${backend.name} backend`, () => {
    describe("elementwise kernels", () => {
      const a = tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        f64,
      );
      const b = tensor(
        [
          [6, 5, 4],
          [3, 2, 1],
        ],
        f64,
      );
      it("compute add, sub, mul, div, scale, map, map2 by element", () => {
        expect(add(a, b).toArray()).toEqual([
          [7, 7, 7],
          [7, 7, 7],
        ]);
        expect(sub(a, b).toArray()).toEqual([
          [-5, -3, -1],
          [1, 3, 5],
        ]);
        expect(mul(a, b).toArray()).toEqual([
          [6, 10, 12],
          [12, 10, 6],
        ]);
        expect(div(a, b).toArray()).toEqual([
          [1 / 6, 2 / 5, 3 / 4],
          [4 / 3, 5 / 2, 6],
        ]);
        expect(scale(a, -2).toArray()).toEqual([
          [-2, -4, -6],
          [-8, -10, -12],
        ]);
        expect(map(a, (x) => x * x).toArray()).toEqual([
          [1, 4, 9],
          [16, 25, 36],
        ]);
        expect(map2(a, b, (x, y) => x - 2 * y).toArray()).toEqual([
          [-11, -8, -5],
          [-2, 1, 4],
        ]);
      });
      it("write into out, which may be an input (in place), and return it", () => {
        const x = a.clone();
        expect(add(x, b, x)).toBe(x);
        expect(x.toArray()).toEqual([
          [7, 7, 7],
          [7, 7, 7],
        ]);
        const y = b.clone();
        expect(axpy(2, a, y)).toBe(y);
        expect(y.toArray()).toEqual([
          [8, 9, 10],
          [11, 12, 13],
        ]);
        const target = zeros([2, 3], f64);
        expect(copy(a, target).toArray()).toEqual(a.toArray());
      });
      it("broadcast a row vector (bias) over the rows", () => {
        const v = tensor([10, 20, 30], f64);
        expect(addRowVector(a, v).toArray()).toEqual([
          [11, 22, 33],
          [14, 25, 36],
        ]);
        expect(() => addRowVector(a, tensor([1, 2], f64))).toThrow(
          "addRowVector: row vector [2] does not fit matrix [2,3]; expected [3]",
        );
      });
      it("reject mismatched shapes and dtypes, naming both", () => {
        expect(() => add(a, zeros([3, 2], f64))).toThrow("add: shapes differ: [2,3] and [3,2]");
        expect(() => mul(a, zeros([2, 3], f32))).toThrow("mul: dtypes differ: float64[2,3] and float32[2,3]");
        expect(() => scale(a, 2, zeros([6], f64))).toThrow("scale: out has shape [6], expected [2,3]");
      });
      it("round float32 results once per element", () => {
        const x = fromArray(new Float32Array([0.1, 0.2]), [2], f32);
        const y = fromArray(new Float32Array([0.2, 0.3]), [2], f32);
        expect(Array.from(add(x, y).read())).toEqual([
          Math.fround(Math.fround(0.1) + Math.fround(0.2)),
          Math.fround(Math.fround(0.2) + Math.fround(0.3)),
        ]);
      });
    });

    describe("reductions", () => {
      const a = tensor(
        [
          [1, -7, 3],
          [4, 5, -6],
        ],
        f64,
      );
      it("sum, mean, max, dot", () => {
        expect(sum(a)).toBe(0);
        expect(mean(ones([4], f32))).toBe(1);
        expect(max(a)).toBe(5);
        expect(dot(a, a)).toBe(1 + 49 + 9 + 16 + 25 + 36);
        expect(max(tensor([1, Number.NaN, 3], f32))).toBeNaN();
      });
      it("sum over axis 0, overwriting or accumulating", () => {
        expect(sumAxis0(a).toArray()).toEqual([5, -2, -3]);
        const out = full([3], 1, f64);
        sumAxis0(a, out, true);
        expect(out.toArray()).toEqual([6, -1, -2]);
        expect(() => sumAxis0(a, zeros([2], f64))).toThrow("sumAxis0: out has shape [2], expected [3]");
      });
      it("reduceAxis: sum, max and a stable logsumexp over either axis", () => {
        const x = tensor(
          [
            [1, -7, 3],
            [4, 5, -6],
          ],
          f64,
        );
        expect(reduceAxis(x, "sum", 0).toArray()).toEqual([5, -2, -3]);
        expect(reduceAxis(x, "max", 1).toArray()).toEqual([3, 5]);
        const lse = reduceAxis(
          tensor(
            [
              [1000, 1000],
              [-Infinity, -Infinity],
            ],
            f64,
          ),
          "logsumexp",
          1,
        );
        expect(lse.toArray()).toEqual([1000 + Math.log(2), -Infinity]);
        const out = zeros([3], f64);
        expect(reduceAxis(x, "logsumexp", 0, out)).toBe(out);
        expect(out.get(0)).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(4)), 14);
        expect(() => reduceAxis(x, "max", 0, zeros([2], f64))).toThrow(
          "reduceAxis: out has shape [2], expected [3]",
        );
        expect(() => reduceAxis(x, "mean" as never, 0)).toThrow(
          'reduceAxis: kind must be "sum", "max" or "logsumexp", got mean',
        );
      });
      it("argmax per row takes the first maximum", () => {
        expect(
          Array.from(
            argmaxRows(
              tensor(
                [
                  [1, 3, 3],
                  [9, 0, 9],
                  [-1, -2, -0.5],
                ],
                f32,
              ),
            ),
          ),
        ).toEqual([1, 0, 2]);
      });
      it("norms: L1, L2 and L∞; L2 neither overflows nor underflows", () => {
        expect(norm(a, 1)).toBe(26);
        expect(norm(tensor([3, 4], f64))).toBe(5);
        expect(norm(a, "inf")).toBe(7);
        expect(norm(tensor([3e300, 4e300], f64))).toBeCloseTo(5e300, -290);
        expect(norm(tensor([3e-300, 4e-300], f64)) / 5e-300).toBeCloseTo(1, 12);
        const r = randomUniform([50], new Rng(5), f64);
        expect(norm(r)).toBeCloseTo(Math.sqrt(dot(r, r)), 12);
      });
    });
  });
}

describe("selectRows", () => {
  it("gathers rows in the order given, repeats included, on the source's backend", () => {
    for (const backend of [jsBackend, createOpaqueBackend()]) {
      const a = fromArray([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3], { backend });
      const picked = selectRows(a, Int32Array.of(2, 0, 2));
      expect(picked.backend).toBe(backend);
      expect(picked.shape).toEqual([3, 3]);
      expect(Array.from(picked.read())).toEqual([7, 8, 9, 1, 2, 3, 7, 8, 9]);
      expect(selectRows(a, new Int32Array(0)).shape).toEqual([0, 3]);
    }
  });

  it("refuses a row outside the source, an out of the wrong shape, and an out that shares the source's memory", () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(() => selectRows(a, Int32Array.of(0, 2))).toThrow(
      "gatherRows: rows[1] = 2 is outside the source's rows [0, 2)",
    );
    expect(() => selectRows(a, Int32Array.of(1), zeros([2, 2]))).toThrow(
      "selectRows: out has shape [2,2], expected [1,2]",
    );
    expect(() => selectRows(a, Int32Array.of(1, 0), a)).toThrow(
      "selectRows: out [2,2] shares memory with the source",
    );
    expect(() => selectRows(zeros([4]), Int32Array.of(0))).toThrow("selectRows: a must have rank 2");
  });
});
