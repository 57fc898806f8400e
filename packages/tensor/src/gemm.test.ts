import { describe, expect, it } from "vitest";
import { randomUniform, zeros } from "./create.js";
import type { DType } from "./dtype.js";
import { matmul } from "./ops/matmul.js";
import { Rng } from "./rng.js";
import type { Tensor } from "./tensor.js";

/** C = α·op(A)·op(B) + β·C by the definition, in float64: the independent reference. */
function naiveGemm(
  a: Tensor,
  b: Tensor,
  tA: boolean,
  tB: boolean,
  alpha: number,
  beta: number,
  c0: Tensor | null,
): number[] {
  const [ar, ac] = a.shape as [number, number];
  const [br, bc] = b.shape as [number, number];
  const m = tA ? ac : ar;
  const k = tA ? ar : ac;
  const n = tB ? br : bc;
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = tA ? a.data[p * ac + i]! : a.data[i * ac + p]!;
        const bv = tB ? b.data[j * bc + p]! : b.data[p * bc + j]!;
        s += av * bv;
      }
      out.push(alpha * s + (c0 ? beta * c0.data[i * n + j]! : 0));
    }
  }
  return out;
}

function maxAbsDifference(actual: ArrayLike<number>, expected: number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst;
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [3, 5, 2],
  [4, 4, 4],
  [5, 9, 7],
  [8, 3, 12],
  [13, 17, 11],
  [33, 65, 31],
  [64, 100, 48],
  [130, 261, 67],
];

describe("matmul (register-tiled gemm) against the definition", () => {
  const rng = new Rng(7);
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        it(`${dtype} ${tA ? "T" : "N"}${tB ? "T" : "N"} on ${SIZES.length} shapes, with alpha/beta`, () => {
          for (const [m, k, n] of SIZES) {
            const a = randomUniform(tA ? [k, m] : [m, k], rng, { dtype, low: -1, high: 1 });
            const b = randomUniform(tB ? [n, k] : [k, n], rng, { dtype, low: -1, high: 1 });
            const tol = dtype === "float64" ? 1e-13 : 1e-6;
            const plain = matmul(a, b, { transposeA: tA, transposeB: tB });
            expect(plain.shape).toEqual([m, n]);
            const ref = naiveGemm(a, b, tA, tB, 1, 0, null);
            expect(maxAbsDifference(plain.data, ref)).toBeLessThanOrEqual(tol * Math.max(1, k));
            const c = randomUniform([m, n], rng, { dtype });
            const c0 = c.clone();
            matmul(a, b, { transposeA: tA, transposeB: tB, alpha: -0.5, beta: 2, out: c });
            const ref2 = naiveGemm(a, b, tA, tB, -0.5, 2, c0);
            expect(maxAbsDifference(c.data, ref2)).toBeLessThanOrEqual(tol * Math.max(1, k));
          }
        });
      }
    }
  }

  it("float64 sums each element over p in order, so it equals the sequential sum exactly", () => {
    const rng2 = new Rng(3);
    const a = randomUniform([6, 37], rng2, { dtype: "float64" });
    const b = randomUniform([37, 9], rng2, { dtype: "float64" });
    const c = matmul(a, b);
    const ref = naiveGemm(a, b, false, false, 1, 0, null);
    expect(Array.from(c.data)).toEqual(ref);
  });

  it("beta = 0 does not read out, so NaN in out does not leak (BLAS semantics)", () => {
    const a = randomUniform([5, 3], new Rng(1), { dtype: "float64" });
    const b = randomUniform([3, 6], new Rng(2), { dtype: "float64" });
    const out = zeros([5, 6], { dtype: "float64" });
    out.data.fill(Number.NaN);
    matmul(a, b, { out });
    expect(out.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it("handles k = 0 (empty inner dimension) as a zero product", () => {
    const a = zeros([3, 0]);
    const b = zeros([0, 4]);
    expect(Array.from(matmul(a, b).data)).toEqual(new Array(12).fill(0));
  });
});

describe("matmul errors name the operation and both shapes", () => {
  const a = zeros([128, 784]);
  const b = zeros([256, 784]);
  it("inner dimensions", () => {
    expect(() => matmul(a, b)).toThrow("matmul: inner dimensions differ: [128,784] x [256,784]");
    expect(() => matmul(a, b, { transposeA: true })).toThrow(
      "matmul: inner dimensions differ: [128,784]ᵀ x [256,784]",
    );
    expect(matmul(a, b, { transposeB: true }).shape).toEqual([128, 256]);
  });
  it("rank, dtype, out shape, aliasing and beta without out", () => {
    expect(() => matmul(zeros([2, 2, 2]), zeros([2, 2]))).toThrow(
      "matmul: A must have rank 2, got shape [2,2,2]",
    );
    expect(() => matmul(zeros([2, 2]), zeros([2, 2], { dtype: "float64" }))).toThrow(
      "matmul: dtypes differ: float32[2,2] and float64[2,2]",
    );
    expect(() => matmul(zeros([2, 3]), zeros([3, 4]), { out: zeros([2, 3]) })).toThrow(
      "matmul: out has shape [2,3], expected [2,4]",
    );
    const sq = zeros([3, 3]);
    expect(() => matmul(sq, zeros([3, 3]), { out: sq })).toThrow("out shares memory with an input");
    expect(() => matmul(sq, sq.reshape([9]).reshape([3, 3]), { out: zeros([3, 3]) })).not.toThrow();
    expect(() =>
      matmul(zeros([3, 3]), zeros([3, 3]), { out: sq.reshape([3, 3]), transposeA: true }),
    ).not.toThrow();
    expect(() => matmul(sq, zeros([3, 3]), { beta: 1 })).toThrow(
      "beta=1 accumulates into out, but no out was given",
    );
  });
});
