import type { DType } from "./dtype.js";
import type { Storage } from "./storage.js";

/**
 * The kernels a compute backend supplies. A backend is a value: create one, pass it where tensors
 * are made, and every op on those tensors runs on it. There is no global "current backend".
 *
 * All matrices are row-major and contiguous; `op(X)` is `X` or `Xᵀ` as the flags say, and the
 * transposes are read through strides, never materialised.
 */
export interface Backend {
  readonly name: string;
  /** Zero-filled storage of `length` elements of `dtype`, owned by this backend. */
  allocate(dtype: DType, length: number): Storage;
  /**
   * gemm: C ← α·op(A)·op(B) + β·C, with op(A) m×k, op(B) k×n, C m×n.
   * As in BLAS, β = 0 means C is not read (NaN in C does not leak into the result).
   */
  gemm(
    transposeA: boolean,
    transposeB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Storage,
    b: Storage,
    beta: number,
    c: Storage,
  ): void;
  /** Bias broadcast: out[i, j] = x[i, j] + v[j] for an m×n matrix x and a length-n row vector v. */
  addRowVector(m: number, n: number, x: Storage, v: Storage, out: Storage): void;
  /** Sum over axis 0 (the batch): out[j] = β·out[j] + Σ_i x[i, j]; the bias gradient. */
  sumRows(m: number, n: number, x: Storage, beta: number, out: Storage): void;
}
