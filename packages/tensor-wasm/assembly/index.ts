// Float32 kernels of @backprop/tensor-wasm, compiled by scripts/asbuild.mjs with
// `asc --runtime stub --noAssert -O3 --enable simd` (plus `--enable relaxed-simd`, and the shared-memory
// `--enable threads --importMemory --sharedMemory` builds). Every function works on raw byte pointers
// into linear memory that the JavaScript side allocates; nothing here allocates or keeps state.
import { elementwiseChunk } from "./elementwise";
import { gemmF32 } from "./gemm";
import { adamF32, biasActivationF32, reluBackwardF32, sgdF32 } from "./legacy";
import { reduceF32 } from "./reduce";

export {
  CHUNK,
  elementwiseChunk,
  elementwiseChunks,
  elementwiseScratchBytes,
  HEADER_WORDS,
  prepareElementwise,
} from "./elementwise";
export { gemmF32, gemmScratchBytes } from "./gemm";
export {
  adamF32,
  biasActivationF32,
  reluBackwardF32,
  sgdF32,
  softmaxCrossEntropyF32,
  sumRowsF32,
} from "./legacy";
export { reduceF32 } from "./reduce";

/** The first byte the JavaScript allocator may hand out (after static data, 16-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** What a job descriptor asks for (its slot 0); see runChunk. */
const JOB_GEMM: i32 = 0;
const JOB_ELEMENTWISE: i32 = 1;
const JOB_REDUCE: i32 = 2;
const JOB_BIAS_ACTIVATION: i32 = 11;
const JOB_RELU_BACKWARD: i32 = 12;
const JOB_SGD: i32 = 13;
const JOB_ADAM: i32 = 14;

/** Slot i of a job descriptor (an array of f64 in linear memory). */
function slot(job: usize, i: i32): f64 {
  return load<f64>(job + ((<usize>i) << 3));
}

/** A pointer slot of a job, advanced by `bytes` (a null pointer stays null). */
function pointerSlot(job: usize, i: i32, bytes: usize): usize {
  const pointer = <usize>slot(job, i);
  return pointer === 0 ? 0 : pointer + bytes;
}

/**
 * Runs chunk `chunk` of the job at `job`: slot 0 the kind, then the kernel's arguments. The chunks of
 * a job are disjoint parts of its output, so threads can run them in any order and each output
 * element is computed exactly as by the whole-range kernel:
 * - gemm [kind, transA, transB, m, n, k, α, a, b, β, c, rowStep, colStep]: chunk (r, q) of the grid
 *   of rowStep × colStep blocks of C, numbered row-major (colStep a multiple of 8);
 * - elementwise [kind, descriptor]: chunk `chunk` of the program (see elementwise.ts);
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
  if (kind === JOB_ELEMENTWISE) {
    elementwiseChunk(<usize>slot(job, 1), chunk, scratch);
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
    return;
  }
  if (kind === JOB_BIAS_ACTIVATION) {
    const m = <i32>slot(job, 1);
    const n = <i32>slot(job, 2);
    const step = <i32>slot(job, 7);
    const s = chunk * step;
    const act = <i32>slot(job, 5);
    if (m === 1) {
      const bytes = (<usize>s) << 2;
      const cols = min(step, n - s);
      biasActivationF32(
        1,
        cols,
        pointerSlot(job, 3, bytes),
        pointerSlot(job, 4, bytes),
        act,
        pointerSlot(job, 6, bytes),
      );
    } else {
      const bytes = (<usize>s * <usize>n) << 2;
      const rows = min(step, m - s);
      biasActivationF32(
        rows,
        n,
        pointerSlot(job, 3, bytes),
        pointerSlot(job, 4, 0),
        act,
        pointerSlot(job, 6, bytes),
      );
    }
    return;
  }
  const length = <i32>slot(job, 1);
  if (kind === JOB_RELU_BACKWARD) {
    const step = <i32>slot(job, 5);
    const s = chunk * step;
    const bytes = (<usize>s) << 2;
    reluBackwardF32(
      min(step, length - s),
      pointerSlot(job, 2, bytes),
      pointerSlot(job, 3, bytes),
      pointerSlot(job, 4, bytes),
    );
    return;
  }
  if (kind === JOB_SGD) {
    const step = <i32>slot(job, 9);
    const s = chunk * step;
    const bytes = (<usize>s) << 2;
    sgdF32(
      min(step, length - s),
      pointerSlot(job, 2, bytes),
      pointerSlot(job, 3, bytes),
      pointerSlot(job, 4, bytes),
      <f32>slot(job, 5),
      <f32>slot(job, 6),
      <f32>slot(job, 7),
      slot(job, 8) !== 0,
    );
    return;
  }
  if (kind === JOB_ADAM) {
    const step = <i32>slot(job, 15);
    const s = chunk * step;
    const bytes = (<usize>s) << 2;
    adamF32(
      min(step, length - s),
      pointerSlot(job, 2, bytes),
      pointerSlot(job, 3, bytes),
      pointerSlot(job, 4, bytes),
      pointerSlot(job, 5, bytes),
      <f32>slot(job, 6),
      <f32>slot(job, 7),
      <f32>slot(job, 8),
      <f32>slot(job, 9),
      <f32>slot(job, 10),
      <f32>slot(job, 11),
      <f32>slot(job, 12),
      <f32>slot(job, 13),
      <f32>slot(job, 14),
    );
  }
}
