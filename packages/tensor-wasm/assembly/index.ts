// Float32 kernels of @backprop/tensor-wasm, compiled by scripts/asbuild.mjs with
// `asc --runtime stub --noAssert -O3 --enable simd` (plus `--enable relaxed-simd`, and the shared-memory
// `--enable threads --importMemory --sharedMemory` builds). Every function works on raw byte pointers
// into linear memory that the JavaScript side allocates; nothing here allocates or keeps state.
import { gemmF32 } from "./gemm";
import { reduceF32 } from "./reduce";

export { gemmF32, gemmScratchBytes } from "./gemm";
export { lanePow, laneUnary } from "./lane-math";
export { reduceF32 } from "./reduce";

/** The first byte the JavaScript allocator may hand out (after static data, 16-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** What a job descriptor asks for (its slot 0); see runChunk. */
const JOB_GEMM: i32 = 0;
// 1: an elementwise program, which runs in its own compiled module (src/program-module.ts), not here.
const JOB_REDUCE: i32 = 2;

/** Slot i of a job descriptor (an array of f64 in linear memory). */
function slot(job: usize, i: i32): f64 {
  return load<f64>(job + ((<usize>i) << 3));
}

/**
 * Runs chunk `chunk` of the job at `job`: slot 0 the kind, then the kernel's arguments. The chunks of
 * a job are disjoint parts of its output, so threads can run them in any order and each output
 * element is computed exactly as by the whole-range kernel:
 * - gemm [kind, transA, transB, m, n, k, α, a, b, β, c, rowStep, colStep]: chunk (r, q) of the grid
 *   of rowStep × colStep blocks of C, numbered row-major (colStep a multiple of 8);
 * - reduce [kind, reduceKind, axis, m, n, x, β, out, step]: outputs [s, s + step), s = chunk·step.
 */
export function runChunk(job: usize, chunk: i32, scratch: usize): void {
  const kind = <i32>slot(job, 0);
  if (kind === JOB_GEMM) {
    const m = <i32>slot(job, 3);
    const n = <i32>slot(job, 4);
    const rowStep = <i32>slot(job, 11);
    const colStep = <i32>slot(job, 12);
    const colChunks = (n + colStep - 1) / colStep;
    const i0 = (chunk / colChunks) * rowStep;
    const j0 = (chunk % colChunks) * colStep;
    gemmF32(
      slot(job, 1) !== 0,
      slot(job, 2) !== 0,
      m,
      n,
      <i32>slot(job, 5),
      <f32>slot(job, 6),
      <usize>slot(job, 7),
      <usize>slot(job, 8),
      <f32>slot(job, 9),
      <usize>slot(job, 10),
      i0,
      min(m, i0 + rowStep),
      j0,
      min(n, j0 + colStep),
      scratch,
    );
    return;
  }
  if (kind === JOB_REDUCE) {
    const axis = <i32>slot(job, 2);
    const m = <i32>slot(job, 3);
    const n = <i32>slot(job, 4);
    const step = <i32>slot(job, 8);
    const start = chunk * step;
    reduceF32(
      <i32>slot(job, 1),
      axis,
      m,
      n,
      <usize>slot(job, 5),
      slot(job, 6),
      <usize>slot(job, 7),
      start,
      min(axis === 0 ? n : m, start + step),
    );
  }
}

/**
 * out row r ← source row rows[r] (i32 indices at `rows`), `rowBytes` bytes each, for r < count:
 * Backend.gatherRows, one memory.copy per row (the indices are checked on the calling side).
 */
export function gatherRows(source: usize, rowBytes: usize, rows: usize, count: i32, out: usize): void {
  for (let r = 0; r < count; r++) {
    const row = <usize>load<i32>(rows + ((<usize>r) << 2));
    memory.copy(out + <usize>r * rowBytes, source + row * rowBytes, rowBytes);
  }
}
