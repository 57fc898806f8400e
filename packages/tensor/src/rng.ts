import { TensorError } from "./errors.js";

/** JSON form of an `Rng`, enough to continue the exact same stream after a restart. */
export interface RngState {
  algorithm: "xoshiro128**";
  /** The four 32-bit state words, as unsigned integers. */
  words: [number, number, number, number];
  /** The second value of the last Box–Muller pair, not yet handed out (null if none). */
  spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;
/** xoshiro128's jump polynomial: advancing by it equals 2^64 calls of `nextUint32`. */
const JUMP = [0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b] as const;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** SplitMix32 step, used only to spread a seed over the four state words. */
function splitmix32(x: number): [next: number, output: number] {
  const next = (x + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman & Vigna, 2018), period 2^128 − 1, seeded
 * through SplitMix32. Uniforms have 53 random bits; normals come from the Box–Muller transform.
 * `fork()` hands out an independent stream (the child continues this state, the parent jumps ahead
 * 2^64 steps), and `state()` / `Rng.fromState()` round-trip through JSON so a resumed run draws the
 * same numbers as one that never stopped. Nothing here is global: every consumer holds its own Rng.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** A generator seeded from a non-negative safe integer. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new TensorError(`Rng: seed must be a non-negative safe integer, got ${seed}`);
    }
    let x = (seed % TWO_POW_32) ^ Math.imul(Math.floor(seed / TWO_POW_32), 0x9e3779b1);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, output] = splitmix32(x);
      x = next;
      words.push(output);
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Rebuilds a generator from `state()`, validating it. */
  static fromState(state: RngState): Rng {
    const words = state?.words;
    const valid =
      state?.algorithm === "xoshiro128**" &&
      Array.isArray(words) &&
      words.length === 4 &&
      words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) &&
      words.some((w) => w !== 0) &&
      (state.spareNormal === null || Number.isFinite(state.spareNormal));
    if (!valid)
      throw new TensorError(`Rng.fromState: not a valid xoshiro128** state: ${JSON.stringify(state)}`);
    const rng = new Rng(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = words.map((w) => w | 0) as [number, number, number, number];
    rng.spare = state.spareNormal;
    return rng;
  }

  /** The generator's state, to save and later continue the same sequence with `Rng.fromState`. */
  state(): RngState {
    return {
      algorithm: "xoshiro128**",
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spare,
    };
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits: (hi27 · 2^26 + hi26) / 2^53. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Standard normal by Box–Muller: √(−2 ln u₁)·cos(2πu₂), and the sine half on the next call. */
  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spare = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [0, n), without modulo bias (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new TensorError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** An independent stream: the child takes the current state, this generator jumps 2^64 ahead. */
  fork(): Rng {
    const child = Rng.fromState(this.state());
    this.jump();
    return child;
  }

  /** Advances the state by 2^64 calls of `nextUint32` (xoshiro128's jump function). */
  jump(): void {
    let t0 = 0,
      t1 = 0,
      t2 = 0,
      t3 = 0;
    for (const word of JUMP) {
      for (let b = 0; b < 32; b++) {
        if (word & (1 << b)) {
          t0 ^= this.s0;
          t1 ^= this.s1;
          t2 ^= this.s2;
          t3 ^= this.s3;
        }
        this.nextUint32();
      }
    }
    this.s0 = t0;
    this.s1 = t1;
    this.s2 = t2;
    this.s3 = t3;
    this.spare = null;
  }
}
