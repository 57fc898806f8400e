import { formatShape, ShapeError, TensorError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { checkCompatible, checkRank, overlaps, prepareOut } from "./check.js";

/** Options of `matmul` (C = α·op(A)·op(B) + β·C): transposes, α, β and the output tensor. */
export interface MatmulOptions {
  /** Use Aᵀ (A is stored k×m). */
  transposeA?: boolean;
  /** Use Bᵀ (B is stored n×k). */
  transposeB?: boolean;
  /** α, default 1. */
  alpha?: number;
  /** β, default 0; with β ≠ 0 the result accumulates into `out`. */
  beta?: number;
  /** Where to write the m×n result; must not share memory with A or B. */
  out?: Tensor;
}

/**
 * gemm: C = α·op(A)·op(B) + β·C with op(X) = X or Xᵀ, on the tensors' backend.
 * For a dense layer with batch rows, forward is Z·Wᵀ (transposeB), ∂E/∂W = δᵀ·Z (transposeA) and
 * the back-propagated δ·W is plain.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transposeA = false, transposeB = false, alpha = 1, beta = 0 } = options;
  checkRank("matmul", "A", a, 2);
  checkRank("matmul", "B", b, 2);
  checkCompatible("matmul", a, b);
  const [ar, ac] = a.shape as [number, number];
  const [br, bc] = b.shape as [number, number];
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const kB = transposeB ? bc : br;
  const n = transposeB ? br : bc;
  if (k !== kB) {
    const left = `${formatShape(a.shape)}${transposeA ? "ᵀ" : ""}`;
    const right = `${formatShape(b.shape)}${transposeB ? "ᵀ" : ""}`;
    throw new ShapeError(`matmul: inner dimensions differ: ${left} x ${right}`);
  }
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) {
    throw new TensorError(`matmul: alpha and beta must be finite numbers, got alpha=${alpha}, beta=${beta}`);
  }
  if (beta !== 0 && options.out === undefined) {
    throw new TensorError(`matmul: beta=${beta} accumulates into out, but no out was given`);
  }
  const out = prepareOut("matmul", options.out, [m, n], a);
  if (overlaps(out, a) || overlaps(out, b)) {
    throw new TensorError("matmul: out shares memory with an input; gemm cannot run in place");
  }
  a.backend.gemm(transposeA, transposeB, m, n, k, alpha, a.storage, b.storage, beta, out.storage);
  return out;
}
