import { describe, expect, it } from "vitest";
import { erf, erfc } from "./erf.js";

/** |x − y| / |y| */
const relative = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);

// Reference values to 20 digits (computed with arbitrary-precision arithmetic), kept as computed.
// biome-ignore-start lint/correctness/noPrecisionLoss: the reference digits, rounded by the parser
const ERF: readonly [number, number][] = [
  [0.1, 0.1124629160182848922],
  [0.5, 0.52049987781304653768],
  [1, 0.84270079294971486934],
  [2, 0.99532226501895273416],
];
const ERFC: readonly [number, number][] = [
  [-1, 1.8427007929497148693],
  [0.3, 0.67137324054087258183],
  [3, 2.2090496998585441373e-5],
  [5, 1.5374597944280348502e-12],
  [10, 2.088487583762544757e-45],
];
// biome-ignore-end lint/correctness/noPrecisionLoss: the reference digits, rounded by the parser

describe("erf and erfc (Cody 1969)", () => {
  it("match 20-digit references to double precision, erfc keeping its relative precision in the tail", () => {
    for (const [x, y] of ERF) {
      expect(relative(erf(x), y), `erf(${x})`).toBeLessThan(4e-16);
      expect(relative(erf(-x), -y), `erf(${-x})`).toBeLessThan(4e-16);
    }
    for (const [x, y] of ERFC) expect(relative(erfc(x), y), `erfc(${x})`).toBeLessThan(1e-15);
  });
  it("handle the limits and NaN", () => {
    expect(erf(0)).toBe(0);
    expect(erfc(0)).toBe(1);
    expect(erfc(30)).toBe(0);
    expect(erfc(-30)).toBe(2);
    expect(erf(Infinity)).toBe(1);
    expect(erfc(-Infinity)).toBe(2);
    expect(erf(Number.NaN)).toBeNaN();
    expect(erfc(Number.NaN)).toBeNaN();
  });
});
