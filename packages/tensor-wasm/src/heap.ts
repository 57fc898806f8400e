import { WasmBackendError } from "./errors.js";

const PAGE_BYTES = 65536;
/** wasm32 addresses 4 GiB: 65536 pages of 64 KiB. */
const MAX_PAGES = 65536;
const MIN_BLOCK = 64;
/**
 * Bytes kept readable past the last block: the elementwise kernels read whole f32x4 vectors, so the
 * last unrolled iteration (4 vectors) may reach up to 60 bytes past the block's end (those lanes are never used).
 */
const TAIL_SLACK = 64;
/**
 * Blocks at least this large are zeroed by `zeroFill` when the backend has threads to split it over:
 * a reused block's zeros, and a fresh block's first touch. The first write to a page of new memory
 * costs the OS a fault (about 2.6 ms per MB on the VMs measured), and faults on two threads at once
 * cost less than on one, so a block the size of a data set is faulted in on all threads before one
 * thread fills it.
 */
export const PREFAULT_BYTES = 4 << 20;

/**
 * The size class of a request: a multiple of 64 bytes (so blocks stay 64-byte aligned), and above 256
 * bytes a multiple of a quarter of its power of two (…, 1024, 1280, 1536, 1792, 2048, 2560, …), so a
 * block wastes under 25% and tensors of equal shape share a class.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BLOCK) return MIN_BLOCK;
  const step = Math.max(MIN_BLOCK, 2 ** (Math.floor(Math.log2(bytes)) - 2));
  return Math.ceil(bytes / step) * step;
}

/**
 * The allocator of one backend's linear memory. Blocks are 64-byte aligned; freed blocks go on a free
 * list of their size class and are handed out again (zeroed) before fresh memory is taken from the
 * bump pointer `top`; the memory grows when `top` passes its end. A layer reuses its tensors from one
 * training step to the next, so allocations, and growth, are rare after the first step.
 */
export class Heap {
  readonly memory: WebAssembly.Memory;
  /** Frees the block of a storage that was garbage-collected without `dispose()`: held value [ptr, bytes]. */
  readonly registry = new FinalizationRegistry<[number, number]>(([ptr, bytes]) => this.release(ptr, bytes));
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  private live = 0;
  /** Scratch blocks by slot (one per thread, and "program"): [byte offset, bytes]. */
  private readonly scratchBlocks = new Map<number | string, [number, number]>();
  /**
   * Writes zeros over [ptr, ptr + bytes) split across the backend's threads (set by a backend that
   * has them); undefined: zeros are written on the calling thread, and fresh memory is left as it is.
   */
  zeroFill: ((ptr: number, bytes: number) => void) | undefined;

  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.top = Math.ceil(base / MIN_BLOCK) * MIN_BLOCK;
  }

  /** A zero-filled block of at least `bytes` bytes; returns its byte offset. */
  allocate(bytes: number): number {
    const size = sizeClass(bytes);
    const reused = this.freeLists.get(size)?.pop();
    this.live += size;
    if (reused !== undefined) {
      if (this.zeroFill !== undefined && size >= PREFAULT_BYTES) this.zeroFill(reused, size);
      else new Uint8Array(this.memory.buffer, reused, size).fill(0);
      return reused;
    }
    const ptr = this.top;
    this.ensure(ptr + size + TAIL_SLACK);
    this.top = ptr + size;
    // Only the bytes asked for: the class's slack may never be used, and untouched pages cost no memory.
    if (this.zeroFill !== undefined && bytes >= PREFAULT_BYTES) this.zeroFill(ptr, bytes);
    return ptr;
  }

  /** Returns a block from `allocate(bytes)` to its size class's free list. */
  release(ptr: number, bytes: number): void {
    const size = sizeClass(bytes);
    this.live -= size;
    const list = this.freeLists.get(size);
    if (list === undefined) this.freeLists.set(size, [ptr]);
    else list.push(ptr);
  }

  /**
   * A scratch block of at least `bytes` bytes (gemm's packed panels, a program
   * descriptor) kept in `slot` (a thread's number, or a name) and reused by the next call for that
   * slot; it grows only when a call needs more, and its contents are not preserved.
   */
  scratch(bytes: number, slot: number | string = 0): number {
    const block = this.scratchBlocks.get(slot);
    if (block !== undefined && block[1] >= bytes) return block[0];
    if (block !== undefined) this.release(block[0], block[1]);
    const ptr = this.allocate(bytes);
    this.scratchBlocks.set(slot, [ptr, bytes]);
    return ptr;
  }

  /** Bytes of linear memory, bytes handed out (by size class, scratch included) and bytes on free lists. */
  stats(): { memoryBytes: number; liveBytes: number; freeBytes: number } {
    let freeBytes = 0;
    for (const [size, list] of this.freeLists) freeBytes += size * list.length;
    return { memoryBytes: this.memory.buffer.byteLength, liveBytes: this.live, freeBytes };
  }

  /** Grows the memory (by at least a quarter of its size, to keep growth rare) until `end` fits. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = have / PAGE_BYTES;
    const needed = Math.ceil((end - have) / PAGE_BYTES);
    if (pages + needed > MAX_PAGES) {
      throw new WasmBackendError(
        `allocate: out of WebAssembly memory: ${end} bytes needed, at most ${MAX_PAGES * PAGE_BYTES} addressable`,
      );
    }
    const extra = Math.min(Math.max(needed, Math.ceil(pages / 4)), MAX_PAGES - pages);
    try {
      this.memory.grow(extra);
    } catch (cause) {
      throw new WasmBackendError(
        `allocate: WebAssembly memory could not grow from ${have} bytes by ${extra} pages`,
        {
          cause,
        },
      );
    }
  }
}
