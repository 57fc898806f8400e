import { fromArray, jsBackend, matmul, type Tensor, TensorError, zeros } from "@backprop/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import type { WasmBackend } from "./backend.js";
import { WasmBackendError } from "./errors.js";
import { moveTo, normal, TRANSPOSE_CASES, wasmBackends } from "./test-kit.js";

let backends: WasmBackend[];
beforeAll(async () => {
  backends = await wasmBackends();
});

/** [m, k, n]: 1×1×1, below one 4×8 tile, not multiples of it, exact tiles, k = 0, k > KC = 1024, large. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 5, 1],
  [3, 1, 7],
  [5, 7, 9],
  [4, 8, 8],
  [8, 3, 16],
  [13, 17, 11],
  [33, 65, 31],
  [7, 0, 5],
  [9, 1500, 10],
  [128, 784, 256],
  [130, 129, 127],
  // m = 1024: Aᵀ is packed, in 8 row blocks for the first depth block and in 1 for the second
  [1024, 1100, 12],
];

/** S_ij = Σ_p |op(A)_ip|·|op(B)_pj|, the scale of the rounding error of the sum C_ij. */
function absProduct(
  a: Tensor,
  b: Tensor,
  tA: boolean,
  tB: boolean,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const as = a.data;
  const bs = b.data;
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++)
        sum += Math.abs(as[tA ? p * m + i : i * k + p]!) * Math.abs(bs[tB ? j * k + p : p * n + j]!);
      scale[i * n + j] = sum;
    }
  }
  return scale;
}

describe("gemm float32 against the JS backend", () => {
  // Seconds of work: generous timeout for a loaded machine.
  it("agrees within 1e-5 of the error scale on every shape, transpose case and α/β", {
    timeout: 120_000,
  }, () => {
    let seed = 1;
    for (const [m, k, n] of SHAPES) {
      for (const [tA, tB] of TRANSPOSE_CASES) {
        const a = normal(tA ? [k, m] : [m, k], seed++, jsBackend);
        const b = normal(tB ? [n, k] : [k, n], seed++, jsBackend);
        const c0 = normal([m, n], seed++, jsBackend);
        const scale = absProduct(a, b, tA, tB, m, k, n);
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 1.5],
          [-2, 1],
        ] as const) {
          const want = matmul(a, b, { transposeA: tA, transposeB: tB, alpha, beta, out: c0.clone() }).data;
          for (const backend of backends) {
            const out = moveTo(c0, backend);
            matmul(moveTo(a, backend), moveTo(b, backend), {
              transposeA: tA,
              transposeB: tB,
              alpha,
              beta,
              out,
            });
            const got = out.data;
            const context = `${backend.name} ${tA ? "T" : "N"}${tB ? "T" : "N"} ${m}×${k}×${n} α=${alpha} β=${beta}`;
            // |ΔC_ij| ≤ 1e-5·(|α|·S_ij + |β·C0_ij|); a plain |ΔC|/|C| test would fail on sums that cancel to ~0.
            for (let i = 0; i < m * n; i++) {
              const error = Math.abs(got[i]! - want[i]!);
              if (!(error <= 1e-5 * (Math.abs(alpha) * scale[i]! + Math.abs(beta * c0.data[i]!)) + 1e-30)) {
                expect.fail(`${context}: C[${i}] = ${got[i]}, want ${want[i]} (error ${error})`);
              }
            }
          }
        }
      }
    }
  });

  it("with β = 0 does not read C (NaN in C does not leak)", () => {
    for (const backend of backends) {
      const a = normal([6, 9], 1, backend);
      const b = normal([9, 10], 2, backend);
      const c = fromArray(new Float32Array(60).fill(Number.NaN), [6, 10], { backend });
      matmul(a, b, { out: c });
      expect(c.data.every(Number.isFinite)).toBe(true);
    }
  });

  it("with k = 0 gives β·C", () => {
    for (const backend of backends) {
      const c = fromArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], { backend });
      backend.gemm(
        false,
        false,
        2,
        3,
        0,
        1,
        backend.allocate("float32", 0),
        backend.allocate("float32", 0),
        2,
        c.storage,
      );
      expect([...c.data]).toEqual([2, 4, 6, 8, 10, 12]);
    }
  });

  it("is exact on small integers (every order sums exactly)", () => {
    for (const backend of backends) {
      const a = fromArray([1, 2, 3, 4, 5, 6], [2, 3], { backend });
      const b = fromArray([7, 8, 9, 10, 11, 12], [3, 2], { backend });
      expect(matmul(a, b).toArray()).toEqual([
        [58, 64],
        [139, 154],
      ]);
      expect(matmul(a, a, { transposeB: true }).toArray()).toEqual([
        [14, 32],
        [32, 77],
      ]);
      expect(matmul(a, a, { transposeA: true }).toArray()).toEqual([
        [17, 22, 27],
        [22, 29, 36],
        [27, 36, 45],
      ]);
    }
  });
});

describe("gemm float64", () => {
  it("equals the JS backend bit for bit in every transpose case", () => {
    for (const backend of backends) {
      for (const [tA, tB] of TRANSPOSE_CASES) {
        const a = normal(tA ? [37, 21] : [21, 37], 5, jsBackend, "float64");
        const b = normal(tB ? [19, 37] : [37, 19], 6, jsBackend, "float64");
        const c0 = normal([21, 19], 7, jsBackend, "float64");
        const want = matmul(a, b, { transposeA: tA, transposeB: tB, alpha: 0.7, beta: 0.3, out: c0.clone() });
        const got = matmul(moveTo(a, backend), moveTo(b, backend), {
          transposeA: tA,
          transposeB: tB,
          alpha: 0.7,
          beta: 0.3,
          out: moveTo(c0, backend),
        });
        expect(got.dtype).toBe("float64");
        expect([...got.data]).toEqual([...want.data]);
      }
    }
  });
});

describe("operands", () => {
  it("rejects storages of another backend with a message that says how to copy them in", () => {
    const [backend] = backends as [WasmBackend];
    const js = zeros([2, 2]);
    const mine = zeros([2, 2], { backend });
    expect(() => backend.gemm(false, false, 2, 2, 2, 1, js.storage, mine.storage, 0, mine.storage)).toThrow(
      /gemm: storage is not from this wasm backend; copy it in with fromArray/,
    );
    expect(() => matmul(js, mine)).toThrow(TensorError);
  });

  it("rejects a storage of another wasm backend (each backend has its own memory)", () => {
    const [first, second] = [backends[0]!, backends.at(-1)!];
    if (first === second) return;
    const x = zeros([2, 2], { backend: first });
    const y = zeros([2, 2], { backend: second });
    expect(() => second.gemm(false, false, 2, 2, 2, 1, x.storage, y.storage, 0, y.storage)).toThrow(
      WasmBackendError,
    );
  });

  it("rejects sizes that would run past a storage", () => {
    const [backend] = backends as [WasmBackend];
    const a = zeros([2, 3], { backend });
    expect(() => backend.gemm(false, false, 2, 3, 4, 1, a.storage, a.storage, 0, a.storage)).toThrow(
      /gemm: operand 0 holds 6 elements, the op needs 8/,
    );
  });
});
