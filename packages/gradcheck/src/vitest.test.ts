import { dot, map, Rng, randomNormal, type Tensor, tensor } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { Linear } from "./test-kit.js";
import { registerGradcheckMatchers } from "./vitest.js";

registerGradcheckMatchers(expect);

const f64 = { dtype: "float64" } as const;
const x = randomNormal([2, 3], new Rng(0), f64);

describe("toPassGradcheck", () => {
  it("passes a correct layer and fails a wrong one (with the report as message)", () => {
    expect(new Linear(3, 2, new Rng(1))).toPassGradcheck(x);
    expect(new Linear(3, 2, new Rng(1), { weightGradientScale: 3 })).not.toPassGradcheck(x);
    expect(() => expect(new Linear(3, 2, new Rng(1), { weightGradientScale: 3 })).toPassGradcheck(x)).toThrow(
      /gradcheck FAILED: 6 of 14 comparisons failed[\s\S]*✗ weight/,
    );
    expect(() => expect(new Linear(3, 2, new Rng(1))).not.toPassGradcheck(x, { mode: "sample" })).toThrow(
      /expected the gradient check to fail, but it passed/,
    );
  });

  it("checks functions with options.gradient and losses with options.target", () => {
    const f = (t: Tensor) => dot(t, t);
    expect(f).toPassGradcheck(x, { gradient: (t) => map(t, (v) => 2 * v) });
    expect(f).not.toPassGradcheck(x, { gradient: (t) => t });
    const loss = {
      y: undefined as Tensor | undefined,
      forward(y: Tensor, t: number) {
        this.y = y;
        return t * dot(y, y);
      },
      backward() {
        return map(this.y!, (v) => 6 * v);
      },
    };
    expect(loss).toPassGradcheck(x, { target: 3 });
    expect(loss).not.toPassGradcheck(x, { target: 2 });
  });

  it("explains what it needs", () => {
    expect(() => expect((t: Tensor) => dot(t, t)).toPassGradcheck(x)).toThrow(
      /a function needs its analytic gradient/,
    );
    expect(() => expect({ forward: () => 0, backward: () => x }).toPassGradcheck(x)).toThrow(
      /a loss needs the target/,
    );
    expect(() => expect({ a: 1 }).toPassGradcheck(tensor([1], f64))).toThrow(/got an object with keys a/);
  });
});
