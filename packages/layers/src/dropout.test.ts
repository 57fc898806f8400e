import { checkLayer } from "@backprop/gradcheck";
import { registerGradcheckMatchers } from "@backprop/gradcheck/vitest";
import { Rng, type Tensor } from "@backprop/tensor";
import { onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import { Dropout, mlp } from "./index.js";
import { expectExactGradients, STRICT } from "./test-kit.js";

const backend = await projectBackend();
const { ones, randomNormal } = onBackend(backend);

registerGradcheckMatchers(expect);

describe("Dropout", () => {
  it("drops a fraction p and scales the rest by 1/(1 − p), so E[y] = x", () => {
    const p = 0.3;
    const n = 200_000;
    const y = new Dropout(p, { seed: 1 }).forward(ones([100, n / 100], { dtype: "float64" }));
    let zeros = 0;
    let total = 0;
    for (const v of y.read()) {
      if (v === 0) zeros++;
      else expect(v).toBe(1 / (1 - p));
      total += v;
    }
    const sigma = Math.sqrt((p * (1 - p)) / n);
    expect(Math.abs(zeros / n - p)).toBeLessThan(5 * sigma);
    expect(Math.abs(total / n - 1)).toBeLessThan((5 * sigma) / (1 - p));
  });

  it("backward multiplies by the same mask: dx = dy ⊙ m", () => {
    const layer = new Dropout(0.5, { seed: 2 });
    const x = randomNormal([8, 9], new Rng(1), { dtype: "float64" });
    const y = layer.forward(x);
    const dy = randomNormal([8, 9], new Rng(2), { dtype: "float64" });
    const dx = layer.backward(dy);
    for (let i = 0; i < x.size; i++) {
      const mask = y.read()[i]! / x.read()[i]!;
      expect(mask === 0 || Math.abs(mask - 2) < 1e-12).toBe(true);
      expect(dx.read()[i]).toBe(mask === 0 ? 0 * dy.read()[i]! : 2 * dy.read()[i]!);
    }
  });

  it("passes gradient checks in training (with the mask held fixed) and in eval mode", () => {
    const x = randomNormal([4, 6], new Rng(5), { dtype: "float64" });
    // A fresh layer of the same seed per forward draws the same mask, so the check sees one function.
    let layer = new Dropout(0.4, { seed: 6 });
    const fixedMask = {
      forward(input: Tensor) {
        layer = new Dropout(0.4, { seed: 6 });
        return layer.forward(input);
      },
      backward: (dy: Tensor) => layer.backward(dy),
      parameters: () => layer.parameters(),
    };
    expectExactGradients(checkLayer(fixedMask, x, STRICT));
    expectExactGradients(checkLayer(new Dropout(0.4, { seed: 6 }).train(false), x, STRICT));
    const model = mlp({
      backend,
      sizes: [6, 5, 3],
      activation: "tanh",
      dropout: 0.5,
      dtype: "float64",
      seed: 7,
    });
    expect(() => checkLayer(model, x, STRICT)).toThrow("the function is not deterministic");
    expect(model.train(false)).toPassGradcheck(x, STRICT);
  });

  it("is the identity in eval mode, forward and backward", () => {
    const layer = new Dropout(0.9, { seed: 3 }).train(false);
    expect(layer.training).toBe(false);
    const x = randomNormal([4, 4], new Rng(3));
    expect(layer.forward(x)).toBe(x);
    const dy = randomNormal([4, 4], new Rng(4));
    expect(layer.backward(dy)).toBe(dy);
    layer.train();
    expect(layer.forward(x)).not.toBe(x);
  });

  it("is seeded: the same seed draws the same masks, new masks each step", () => {
    const x = ones([10, 10]);
    const a = new Dropout(0.5, { seed: 7 });
    const b = new Dropout(0.5, { seed: 7 });
    const first = [...a.forward(x).read()];
    expect([...b.forward(x).read()]).toEqual(first);
    expect([...a.forward(x).read()]).not.toEqual(first);
  });

  it("saves and restores its mask stream through JSON, so a resumed run draws the same masks", () => {
    const x = ones([4, 8]);
    const a = new Dropout(0.3, { seed: 11 });
    a.forward(x);
    const saved = JSON.parse(JSON.stringify(a.rngState()));
    const expected = [...a.forward(x).read()];
    const resumed = new Dropout(0.3, { seed: 999 });
    resumed.loadRngState(saved);
    expect([...resumed.forward(x).read()]).toEqual(expected);
    expect(() => resumed.loadRngState({ ...saved, words: [0, 0, 0, 0] })).toThrow(
      "not a valid xoshiro128** state",
    );
  });

  it("handles p = 0 and p = 1, and rejects other p", () => {
    const x = ones([3, 3]);
    expect([...new Dropout(0).forward(x).read()]).toEqual(new Array(9).fill(1));
    expect([...new Dropout(1).forward(x).read()]).toEqual(new Array(9).fill(0));
    expect(() => new Dropout(1.5)).toThrow("Dropout: p must be a probability in [0, 1], got 1.5");
    expect(() => new Dropout(Number.NaN)).toThrow("got NaN");
  });

  it("reuses its buffers and records its seed in its config", () => {
    const layer = new Dropout(0.2, { seed: 5 });
    const x = ones([2, 3]);
    const y = layer.forward(x);
    expect(layer.forward(x)).toBe(y);
    expect(layer.toConfig()).toEqual({ type: "Dropout", p: 0.2, seed: 5 });
  });
});
