import type { DType, FloatArray } from "./dtype.js";
import type { ElementwiseProgram } from "./program.js";

/**
 * Where a tensor's elements live, as the backend that owns them sees it: a dtype and a length,
 * nothing more. Code above a backend moves elements only through `Backend.read` / `Backend.write`,
 * so a backend may keep them anywhere (a JS typed array, WebAssembly memory, a GPU buffer).
 */
export interface Storage {
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
}

/**
 * Storage whose elements are a CPU typed array of exactly `length` elements: the JS backend's, and
 * the WebAssembly backend's views into its linear memory (re-created when the memory grows, so read
 * `data` at the point of use and never keep it across calls that may allocate).
 */
export interface CpuStorage extends Storage {
  readonly data: FloatArray;
}

/** The reductions `Backend.reduce` computes over one axis of a matrix. */
export type ReduceKind = "sum" | "max" | "logsumexp";

/**
 * The primitives a compute backend supplies: memory, gemm, reductions, a row gather and one generic
 * elementwise primitive that runs a program of opcodes. A backend speaks operations, never
 * algorithms: an optimizer, activation or loss is an expression compiled to an
 * `ElementwiseProgram`, and a backend is fast by running that program in one pass, not by carrying
 * its own copy of the formula.
 *
 * A backend is a value: create one, pass it where tensors are made, and every op on those tensors
 * runs on it. There is no global "current backend", and no code branches on `name`.
 * All matrices are row-major and contiguous; `op(X)` is `X` or `Xᵀ` as the flags say.
 */
export interface Backend {
  /** For messages and run headers only; never branched on. */
  readonly name: string;
  /** Zero-filled storage of `length` elements of `dtype`, owned by this backend. */
  allocate(dtype: DType, length: number): Storage;
  /** out[k] = storage[offset + k] for k < out.length (converted to out's element type). */
  read(storage: Storage, offset: number, out: FloatArray): void;
  /** storage[offset + k] = values[k] for k < values.length (rounded to the storage's dtype). */
  write(storage: Storage, offset: number, values: ArrayLike<number>): void;
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
  /**
   * Reductions of an m×n row-major matrix x, R ∈ sum | max | logsumexp:
   * axis 0: out[j] = β·out[j] + R_i x[i, j] (length n); axis 1: out[i] = β·out[i] + R_j x[i, j]
   * (length m). β is only for "sum" and must be 0 otherwise; β = 0 means out is not read.
   * Sums run in float64 in index order. logsumexp is M + log Σ exp(x − M) with M = max (stable);
   * an empty or all −∞ line gives −∞, a line with +∞ gives +∞, NaN propagates (max too).
   */
  reduce(kind: ReduceKind, axis: 0 | 1, m: number, n: number, x: Storage, beta: number, out: Storage): void;
  /**
   * Runs `program` once per element e = i·n + j of an m×n index space: reads `inputs` (indexed per
   * `program.inputs`' layouts), writes `outputs` (each m·n long) and adds into `sums[s]` (float64)
   * for each SUM instruction, in element order. `scalars` fills the program's scalar slots.
   * An output may be the same storage as a "full" input (in place): every element's inputs are read
   * before its outputs are written. Results must not depend on how the work is split (threads).
   */
  elementwise(
    program: ElementwiseProgram,
    m: number,
    n: number,
    inputs: readonly Storage[],
    scalars: Float64Array,
    outputs: readonly Storage[],
    sums: Float64Array,
  ): void;
  /**
   * Gathers rows of a row-major matrix of rows of n elements: out[r·n + j] = source[rows[r]·n + j]
   * for r < rows.length, j < n (a batch from a shuffled dataset, in one call). source and out share
   * a dtype and are different storages; rows may repeat and come in any order. Checks every index
   * (`checkGatherRows`).
   */
  gatherRows(source: Storage, n: number, rows: Int32Array, out: Storage): void;
  /** Optional: frees a storage now instead of when it is garbage-collected (wasm). */
  dispose?(storage: Storage): void;
}
