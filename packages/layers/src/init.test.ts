import { Rng } from "@backprop/tensor";
import { onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  calculateGain,
  computeFans,
  Dense,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  type Initializer,
  initializer,
  lecunNormal,
  lecunUniform,
  linearDefaultBias,
  linearDefaultWeight,
  normalInit,
  uniformInit,
} from "./index.js";

const backend = await projectBackend();
const { zeros } = onBackend(backend);

const OUT = 300;
const IN = 200;
const fans = { fanIn: IN, fanOut: OUT };

/** The initialised values, copied out (a view into wasm memory dies when the next allocation grows it). */
function sample(init: Initializer): Float64Array {
  const t = zeros([OUT, IN], { dtype: "float64" });
  init(t, new Rng(1), fans);
  return Float64Array.from(t.read());
}

function stats(data: Float64Array): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / data.length;
  let sq = 0;
  for (const v of data) sq += (v - mean) ** 2;
  return { mean, std: Math.sqrt(sq / data.length), min, max };
}

/** U(−b, b) has std b/√3; the sample of 60 000 should land within 2% and fill the interval. */
function expectUniform(data: Float64Array, bound: number): void {
  const s = stats(data);
  expect(s.min).toBeGreaterThanOrEqual(-bound);
  expect(s.max).toBeLessThan(bound);
  expect(s.min).toBeLessThan(-0.99 * bound);
  expect(s.max).toBeGreaterThan(0.99 * bound);
  expect(Math.abs(s.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
  expect(Math.abs(s.mean)).toBeLessThan(0.02 * bound);
}

function expectNormal(data: Float64Array, std: number): void {
  const s = stats(data);
  expect(Math.abs(s.std / std - 1)).toBeLessThan(0.02);
  expect(Math.abs(s.mean)).toBeLessThan(0.02 * std);
}

describe("initialisers (PyTorch's formulas)", () => {
  it("compute fans and gains as PyTorch does", () => {
    expect(computeFans([3, 5])).toEqual({ fanIn: 5, fanOut: 3 });
    expect(computeFans([3, 5, 2, 2])).toEqual({ fanIn: 20, fanOut: 12 });
    expect(() => computeFans([3])).toThrow("rank ≥ 2");
    expect(calculateGain("relu")).toBe(Math.SQRT2);
    expect(calculateGain("tanh")).toBe(5 / 3);
    expect(calculateGain("sigmoid")).toBe(1);
    expect(calculateGain("leakyRelu", Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
  });

  it("uniform and normal", () => {
    const u = stats(sample(uniformInit(2, 4)));
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThan(4);
    expect(u.mean).toBeCloseTo(3, 1);
    const n = stats(sample(normalInit(1, 0.5)));
    expect(n.mean).toBeCloseTo(1, 2);
    expect(n.std).toBeCloseTo(0.5, 2);
  });

  it("Glorot/Xavier: b = gain·√(6/(fan_in + fan_out)), σ = gain·√(2/(fan_in + fan_out))", () => {
    expectUniform(sample(glorotUniform()), Math.sqrt(6 / (IN + OUT)));
    expectUniform(sample(glorotUniform(2)), 2 * Math.sqrt(6 / (IN + OUT)));
    expectNormal(sample(glorotNormal()), Math.sqrt(2 / (IN + OUT)));
    expect(sample(initializer("xavierUniform"))).toEqual(sample(glorotUniform()));
  });

  it("He/Kaiming: b = √2·√(3/fan_in), σ = √2/√fan_in (ReLU gain); fan_out mode", () => {
    expectUniform(sample(heUniform()), Math.SQRT2 * Math.sqrt(3 / IN));
    expectNormal(sample(heNormal()), Math.SQRT2 / Math.sqrt(IN));
    expectNormal(sample(heNormal({ mode: "fanOut" })), Math.SQRT2 / Math.sqrt(OUT));
    expectNormal(sample(heNormal({ nonlinearity: "tanh" })), 5 / 3 / Math.sqrt(IN));
    expect(sample(initializer("kaimingNormal"))).toEqual(sample(heNormal()));
  });

  it("LeCun: b = √(3/fan_in), σ = √(1/fan_in)", () => {
    expectUniform(sample(lecunUniform()), Math.sqrt(3 / IN));
    expectNormal(sample(lecunNormal()), Math.sqrt(1 / IN));
  });

  it("nn.Linear's default: W and b ~ U(−1/√fan_in, 1/√fan_in)", () => {
    expectUniform(sample(linearDefaultWeight()), 1 / Math.sqrt(IN));
    expectUniform(sample(linearDefaultBias()), 1 / Math.sqrt(IN));
    const layer = new Dense(IN, OUT, { backend, dtype: "float64", seed: 4 });
    expectUniform(layer.weight.value.read() as Float64Array, 1 / Math.sqrt(IN));
    for (const v of layer.bias!.value.read()) expect(Math.abs(v)).toBeLessThan(1 / Math.sqrt(IN));
  });

  it("zeros, ones and named initialisers in Dense", () => {
    const layer = new Dense(3, 2, { backend, init: "zeros", biasInit: "ones" });
    expect([...layer.weight.value.read()]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...layer.bias!.value.read()]).toEqual([1, 1]);
    expect(() => initializer("orthogonal" as never)).toThrow('unknown initialiser "orthogonal"');
  });
});
