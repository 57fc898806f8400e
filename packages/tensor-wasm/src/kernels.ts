import { relaxedWasm } from "./generated/relaxed.js";
import { relaxedSharedWasm } from "./generated/relaxed-shared.js";
import { simdWasm } from "./generated/simd.js";
import { simdSharedWasm } from "./generated/simd-shared.js";

/** The exports of assembly/index.ts (pointers are byte offsets into linear memory; bool is 0/1). */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  gemmScratchBytes(n: number, k: number): number;
  gemmF32(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    b: number,
    beta: number,
    c: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    scratch: number,
  ): void;
  runChunk(job: number, chunk: number, scratch: number): void;
  gatherRows(source: number, rowBytes: number, rows: number, count: number, out: number): void;
  /** The lane-wise math that compiled elementwise programs import (assembly/lane-math.ts). */
  laneUnary(op: number, x: number): number;
  lanePow(x: number, y: number): number;
  reduceF32(
    kind: number,
    axis: number,
    m: number,
    n: number,
    x: number,
    beta: number,
    out: number,
    start: number,
    end: number,
  ): void;
}

/** The kernel builds: plain 128-bit SIMD, and relaxed SIMD (f32x4.relaxed_madd, a fused multiply-add). */
export type KernelVariant = "simd" | "relaxed";

/** Each build with its own memory, and `shared`: importing a shared memory that worker threads also use. */
const BASE64: Record<KernelVariant, { own: string; shared: string }> = {
  simd: { own: simdWasm, shared: simdSharedWasm },
  relaxed: { own: relaxedWasm, shared: relaxedSharedWasm },
};

/** Pages (64 KiB) the shared builds declare as their memory's maximum: 4 GiB, all wasm32 addresses. */
const SHARED_MAX_PAGES = 65536;

/** The .wasm bytes of a build, decoded from the base64 that scripts/asbuild.mjs embedded. */
export function kernelBytes(variant: KernelVariant, shared = false): Uint8Array<ArrayBuffer> {
  const text = atob(shared ? BASE64[variant].shared : BASE64[variant].own);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Whether this runtime can compile the build (WebAssembly.validate). Relaxed SIMD needs
 * `node --experimental-wasm-relaxed-simd` on Node 20; it is on by default in Node 22+ and Chrome 114+.
 */
export function variantSupported(variant: KernelVariant): boolean {
  return typeof WebAssembly === "object" && WebAssembly.validate(kernelBytes(variant));
}

/** True when this runtime runs WebAssembly with 128-bit SIMD, which the backend needs. */
export function wasmSimdSupported(): boolean {
  return variantSupported("simd");
}

/** True when this runtime also runs relaxed SIMD (the faster fused multiply-add build). */
export function wasmRelaxedSimdSupported(): boolean {
  return variantSupported("relaxed");
}

/** Compiles and instantiates a build with its own memory. */
export async function instantiateKernels(variant: KernelVariant): Promise<KernelExports> {
  const { instance } = await WebAssembly.instantiate(kernelBytes(variant), {});
  return instance.exports as unknown as KernelExports;
}

/**
 * Compiles a shared-memory build and instantiates it on a new shared memory; worker threads
 * instantiate the same module on the same memory.
 */
export async function instantiateSharedKernels(
  variant: KernelVariant,
): Promise<{ module: WebAssembly.Module; memory: WebAssembly.Memory; kernels: KernelExports }> {
  const module = await WebAssembly.compile(kernelBytes(variant, true));
  const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return { module, memory, kernels: instance.exports as unknown as KernelExports };
}
