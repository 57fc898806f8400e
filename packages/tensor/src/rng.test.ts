import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";

describe("Rng (xoshiro128**)", () => {
  it("matches the reference xoshiro128** output for a known state", () => {
    // Reference: xoshiro128** from the authors' C code, state {1, 2, 3, 4}; first outputs 11520, 0, 5927040, 70819200.
    const rng = Rng.fromState({ algorithm: "xoshiro128**", words: [1, 2, 3, 4], spareNormal: null });
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      11520, 0, 5927040, 70819200,
    ]);
    // The authors' jump() compiled from their C code, then three outputs: 3046317961 3130903476 2327035934.
    rng.jump();
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      3046317961, 3130903476, 2327035934,
    ]);
  });
  it("same seed, same stream; different seeds, different streams", () => {
    const a = new Rng(123);
    const b = new Rng(123);
    const c = new Rng(124);
    const xa = Array.from({ length: 8 }, () => a.uniform());
    expect(Array.from({ length: 8 }, () => b.uniform())).toEqual(xa);
    expect(Array.from({ length: 8 }, () => c.uniform())).not.toEqual(xa);
  });
  it("state round-trips through JSON and continues bitwise, including a pending normal", () => {
    const rng = new Rng(99);
    rng.normal();
    const saved = JSON.parse(JSON.stringify(rng.state()));
    const expected = Array.from({ length: 5 }, () => rng.normal());
    const resumed = Rng.fromState(saved);
    expect(Array.from({ length: 5 }, () => resumed.normal())).toEqual(expected);
  });
  it("rejects forged states", () => {
    expect(() =>
      Rng.fromState({ algorithm: "xoshiro128**", words: [0, 0, 0, 0], spareNormal: null }),
    ).toThrow("not a valid");
    expect(() => Rng.fromState({ algorithm: "mt" as never, words: [1, 2, 3, 4], spareNormal: null })).toThrow(
      "not a valid",
    );
    expect(() => new Rng(-1)).toThrow("seed must be a non-negative safe integer, got -1");
  });
  it("fork gives an independent stream and moves the parent", () => {
    const parent = new Rng(5);
    const before = parent.state();
    const child = parent.fork();
    expect(child.state()).toEqual(before);
    expect(parent.state()).not.toEqual(before);
    const xs = Array.from({ length: 16 }, () => child.nextUint32());
    const ys = Array.from({ length: 16 }, () => parent.nextUint32());
    expect(xs.filter((x, i) => x === ys[i]).length).toBe(0);
  });
  it("int(n) is unbiased enough and in range; shuffle is a permutation", () => {
    const rng = new Rng(2);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    const arr = Array.from({ length: 50 }, (_, i) => i);
    rng.shuffle(arr);
    expect([...arr].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => rng.int(0)).toThrow("Rng.int: n must be an integer in [1, 2^32], got 0");
  });
  it("uniform is in [0,1) with a mean near 1/2", () => {
    const rng = new Rng(8);
    let s = 0;
    for (let i = 0; i < 100000; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
    }
    expect(Math.abs(s / 100000 - 0.5)).toBeLessThan(0.005);
  });
});
