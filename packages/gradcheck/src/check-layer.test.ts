import { DTypeError, parameter, Rng, randomNormal, type Tensor, tensor, zeros } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { checkLayer } from "./check-layer.js";
import { Chain, Linear, relu, tanh } from "./test-kit.js";

const f64 = { dtype: "float64" } as const;
const bits = (t: Tensor): Uint8Array =>
  new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));

describe("checkLayer", () => {
  const rng = new Rng(42);
  const x = randomNormal([4, 3], rng, f64);

  it("passes a correct linear layer: input, weight and bias gradients", () => {
    const report = checkLayer(new Linear(3, 2, new Rng(1)), x);
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(4 * 3 + 2 * 3 + 2);
    expect(report.maxRelError).toBeLessThan(1e-6);
  });

  it("passes a whole model (linear → tanh → linear)", () => {
    const model = new Chain([
      new Linear(3, 5, new Rng(2), { prefix: "0." }),
      tanh(),
      new Linear(5, 2, new Rng(3), { prefix: "2." }),
    ]);
    const report = checkLayer(model, x);
    expect(report).toMatchObject({ ok: true, checked: 12 + 15 + 5 + 10 + 2 });
  });

  it("fails a wrong weight gradient and names the parameter", () => {
    const report = checkLayer(new Linear(3, 2, new Rng(1), { weightGradientScale: 2 }), x);
    expect(report.ok).toBe(false);
    expect(report.failed).toBe(6);
    expect(report.worst[0]!.parameter).toBe("weight");
  });

  it('fails a wrong input gradient and names it "input"', () => {
    const report = checkLayer(new Linear(3, 2, new Rng(1), { inputGradientScale: 0.5 }), x);
    expect(report).toMatchObject({ ok: false, failed: 12 });
    expect(new Set(report.worst.map((c) => c.parameter))).toEqual(new Set(["input"]));
  });

  it("checkInput: false checks the parameters only", () => {
    const report = checkLayer(new Linear(3, 2, new Rng(1), { inputGradientScale: 0.5 }), x, {
      checkInput: false,
    });
    expect(report).toMatchObject({ ok: true, checked: 8 });
  });

  it('"directions" checks a big model cheaply and catches a 1% error', () => {
    const big = randomNormal([8, 64], new Rng(5), f64);
    const make = (scale: number) =>
      new Chain([
        new Linear(64, 128, new Rng(6), { prefix: "0.", weightGradientScale: scale }),
        tanh(),
        new Linear(128, 10, new Rng(7), { prefix: "2." }),
      ]);
    const good = checkLayer(make(1), big, { mode: "directions", directions: 2 });
    expect(good).toMatchObject({ ok: true, checked: 5 * 2 });
    const bad = checkLayer(make(1.01), big, { mode: "directions", directions: 2 });
    expect(bad.ok).toBe(false);
    expect(bad.worst[0]!).toMatchObject({ kind: "direction", parameter: "0.weight" });
  });

  it('"sample" checks k elements of each tensor', () => {
    const report = checkLayer(new Linear(3, 2, new Rng(1)), x, { mode: "sample", samples: 4 });
    expect(report).toMatchObject({ ok: true, checked: 4 + 4 + 2 });
  });

  it('skips ReLU kinks with kink: "detect"', () => {
    const input = tensor(
      [
        [0, 1.5, -2],
        [1e-7, -0.5, 3],
      ],
      f64,
    );
    expect(checkLayer(relu(), input).ok).toBe(false);
    expect(checkLayer(relu(), input, { kink: "detect" })).toMatchObject({ ok: true, checked: 4, skipped: 2 });
  });

  it("restores parameter values bit for bit and the grads the caller had", () => {
    const layer = new Linear(3, 2, new Rng(1));
    layer.weight.value.data[0] = -0;
    layer.weight.value.data[1] = 1 / 3;
    layer.weight.grad.data.fill(0.125);
    layer.bias.grad.data.set([7, -3]);
    const before = layer.parameters().map((p) => [bits(p.value), bits(p.grad)]);
    const xBits = bits(x);
    for (const mode of ["all", "sample", "directions"] as const) checkLayer(layer, x, { mode });
    expect(layer.parameters().map((p) => [bits(p.value), bits(p.grad)])).toEqual(before);
    expect(Object.is(layer.weight.value.data[0], -0)).toBe(true);
    expect(bits(x)).toEqual(xBits);
  });

  it("restores the parameter even when forward throws mid-check", () => {
    const layer = new Linear(3, 2, new Rng(1));
    const before = bits(layer.weight.value);
    let calls = 0;
    const forward = layer.forward.bind(layer);
    layer.forward = (input: Tensor) => {
      if (++calls === 20) throw new Error("boom");
      return forward(input);
    };
    expect(() => checkLayer(layer, x)).toThrow("boom");
    expect(bits(layer.weight.value)).toEqual(before);
  });

  it("rejects float32 inputs and parameters, naming them", () => {
    expect(() => checkLayer(new Linear(3, 2, new Rng(1)), randomNormal([2, 3], rng))).toThrow(DTypeError);
    expect(() => checkLayer(new Linear(3, 2, new Rng(1)), randomNormal([2, 3], rng))).toThrow(
      /checkLayer: input is float32\[2,3\], expected float64/,
    );
    const layer = new Linear(3, 2, new Rng(1));
    const float32 = {
      forward: layer.forward.bind(layer),
      backward: layer.backward.bind(layer),
      parameters: () => [parameter("w32", zeros([2, 3]))],
    };
    expect(() => checkLayer(float32, x)).toThrow(/parameter "w32" is float32\[2,3\], expected float64/);
  });

  it("rejects a layer with randomness in training mode", () => {
    const noise = new Rng(9);
    const dropoutLike = {
      forward: (t: Tensor) => t.clone(),
      backward: (dy: Tensor) => dy,
      parameters: () => [],
    };
    const forward = dropoutLike.forward;
    dropoutLike.forward = (t: Tensor) => {
      const y = forward(t);
      y.data[0] = y.data[0]! + noise.uniform();
      return y;
    };
    expect(() => checkLayer(dropoutLike, tensor([[1, 2]], f64))).toThrow(/not deterministic/);
  });
});
