import { checkLayer } from "@backprop/gradcheck";
import { registerGradcheckMatchers } from "@backprop/gradcheck/vitest";
import { createJsBackend, Rng, type Tensor } from "@backprop/tensor";
import { expectProjectBackend, onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  type ActivationFunction,
  activation,
  Dense,
  ELU,
  GELU,
  Identity,
  LayerError,
  LeakyReLU,
  LogSoftmax,
  logSoftmax,
  type Module,
  ReLU,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  sigmoid,
  softmax,
  Tanh,
} from "./index.js";
import { expectExactGradients, readFixture, STRICT } from "./test-kit.js";

const backend = await projectBackend();
const { fromArray, randomNormal, randomUniform, tensor, zeros } = onBackend(backend);

registerGradcheckMatchers(expect);

it("runs on the test project's backend (js, wasm or opaque): a Dense layer's weights", () => {
  expectProjectBackend(new Dense(2, 3, { backend }).weight.value.backend);
});

/** Inputs in ±[0.1, 2]: away from every kink (ReLU, leaky ReLU, ELU at 0). */
function awayFromKinks(shape: number[], seed: number): Tensor {
  const x = randomUniform(shape, new Rng(seed), { low: 0.1, high: 2, dtype: "float64" });
  const signs = new Rng(seed + 1);
  const values = x.read();
  for (let i = 0; i < values.length; i++) if (signs.uniform() < 0.5) values[i] = -values[i]!;
  x.write(values);
  return x;
}

const activationLayers: [string, () => Module][] = [
  ["Identity", () => new Identity()],
  ["Sigmoid", () => new Sigmoid()],
  ["Tanh", () => new Tanh()],
  ["ReLU", () => new ReLU()],
  ["LeakyReLU", () => new LeakyReLU({ slope: 0.2 })],
  ["ELU", () => new ELU({ alpha: 0.7 })],
  ["GELU", () => new GELU()],
  ["GELU tanh", () => new GELU({ approximate: "tanh" })],
  ["Softplus", () => new Softplus({ beta: 1.5, threshold: 2 })],
  ["SiLU", () => new SiLU()],
  ["Softmax", () => new Softmax()],
  ["LogSoftmax", () => new LogSoftmax()],
];

/** A Dense layer with a classic bug: its backward leaves ∂E/∂b out (the bias never learns). */
class DenseDroppingBiasGradient extends Dense {
  override backward(delta: Tensor): Tensor {
    const before = Float64Array.from(this.bias!.grad.read());
    const dx = super.backward(delta);
    this.bias!.grad.write(before);
    return dx;
  }
}

/** A sigmoid whose h′ forgot the factor (1 − σ): σ′ = σ(1 − σ), not σ. */
class SigmoidWithWrongDerivative extends Sigmoid {
  override readonly fn: ActivationFunction = { h: sigmoid.h, chainRule: (a, dz) => sigmoid.h(a).mul(dz) };
}

describe("gradient checks (@backprop/gradcheck: float64, every element, rel err ≤ 1e-7)", () => {
  for (const [name, make] of activationLayers) {
    it(`${name} passes`, () => {
      expectExactGradients(checkLayer(make(), awayFromKinks([3, 5], 1), STRICT));
    });
  }

  for (const bias of [true, false]) {
    it(`Dense with bias=${bias} passes (input and parameters)`, () => {
      const layer = new Dense(4, 3, { backend, bias, dtype: "float64", seed: 3, biasInit: "ones" });
      const report = checkLayer(layer, awayFromKinks([5, 4], 2), STRICT);
      expectExactGradients(report);
      expect(report.checked).toBe(5 * 4 + 3 * 4 + (bias ? 3 : 0));
    });
  }

  it("catch a Dense layer that drops the bias gradient, alone and inside a model", () => {
    const x = awayFromKinks([5, 4], 2);
    const report = checkLayer(
      new DenseDroppingBiasGradient(4, 3, { backend, dtype: "float64", seed: 3 }),
      x,
      STRICT,
    );
    expect(report.ok).toBe(false);
    expect(report.failed).toBe(3);
    expect(report.worst.filter((c) => c.failed).map((c) => c.parameter)).toEqual(["bias", "bias", "bias"]);
    const model = new Sequential([
      new DenseDroppingBiasGradient(4, 3, { backend, dtype: "float64", seed: 3 }),
      new Tanh(),
      new Dense(3, 2, { backend, dtype: "float64", seed: 4 }),
    ]);
    expect(model).not.toPassGradcheck(x, STRICT);
    expect(() => expect(model).toPassGradcheck(x, STRICT)).toThrow(
      /gradcheck FAILED: 3 of \d+[\s\S]*✗ 0\.bias/,
    );
  });

  it("catch an activation whose h′ is wrong", () => {
    const report = checkLayer(new SigmoidWithWrongDerivative(), awayFromKinks([3, 5], 1), STRICT);
    expect(report.ok).toBe(false);
    expect(report.failed).toBe(15);
  });
});

describe("Dense", () => {
  it("computes a = z·Wᵀ + b with W stored [out, in]", () => {
    const layer = new Dense(3, 2, { backend, dtype: "float64" });
    layer.weight.value.write([1, 2, 3, 4, 5, 6]);
    layer.bias!.value.write([0.5, -1]);
    const y = layer.forward(
      tensor(
        [
          [1, 0, -1],
          [2, 1, 0],
        ],
        { dtype: "float64" },
      ),
    );
    expect(y.toArray()).toEqual([
      [1 - 3 + 0.5, 4 - 6 - 1],
      [2 + 2 + 0.5, 8 + 5 - 1],
    ]);
  });

  it("accumulates ∂E/∂W = δᵀz and ∂E/∂b = Σ_n δ_n, and returns δ·W", () => {
    const layer = new Dense(2, 2, { backend, dtype: "float64" });
    layer.weight.value.write([1, 2, 3, 4]);
    const z = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: "float64" },
    );
    const delta = tensor(
      [
        [1, 0],
        [0, 1],
      ],
      { dtype: "float64" },
    );
    layer.forward(z);
    const dz = layer.backward(delta);
    expect(dz.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(layer.weight.grad.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(layer.bias!.grad.toArray()).toEqual([1, 1]);
    layer.forward(z);
    layer.backward(delta);
    expect(layer.weight.grad.toArray()).toEqual([
      [2, 4],
      [6, 8],
    ]);
    expect(layer.bias!.grad.toArray()).toEqual([2, 2]);
  });

  it("names its parameters weight and bias, shaped [out, in] and [out]", () => {
    const layer = new Dense(4, 3, { backend });
    expect(layer.parameters().map((p) => [p.name, p.value.shape])).toEqual([
      ["weight", [3, 4]],
      ["bias", [3]],
    ]);
    expect(new Dense(4, 3, { backend, bias: false }).parameters().map((p) => p.name)).toEqual(["weight"]);
  });

  it("runs in float32 and agrees with float64", () => {
    const l32 = new Dense(6, 4, { backend, seed: 9 });
    const l64 = new Dense(6, 4, { backend, seed: 9, dtype: "float64" });
    expect(l32.weight.value.dtype).toBe("float32");
    const x64 = awayFromKinks([3, 6], 4);
    const x32 = fromArray(Float32Array.from(x64.read()), [3, 6]);
    const y32 = l32.forward(x32);
    const y64 = l64.forward(x64);
    expect(y32.dtype).toBe("float32");
    y64.read().forEach((v, i) => {
      expect(Math.abs(y32.read()[i]! - v)).toBeLessThan(1e-5);
    });
    const dx32 = l32.backward(fromArray(new Float32Array(12).fill(1), [3, 4]));
    expect(dx32.dtype).toBe("float32");
  });

  it("rejects a wrong input shape, a wrong dtype, a wrong dy and backward before forward", () => {
    const layer = new Dense(4, 3, { backend });
    expect(() => layer.backward(zeros([2, 3]))).toThrow("Dense.backward: called before forward");
    expect(() => layer.forward(zeros([2, 5]))).toThrow(
      "Dense(4→3).forward: expected input [batch, 4], got [2,5]",
    );
    expect(() => layer.forward(zeros([2, 4], { dtype: "float64" }))).toThrow(
      "input is float64, the weights are float32",
    );
    layer.forward(zeros([2, 4]));
    expect(() => layer.backward(zeros([2, 4]))).toThrow(
      "dy has shape [2,4], expected the output shape [2,3]",
    );
    expect(() => new Dense(0, 3, { backend })).toThrow(LayerError);
    expect(() => new Dense(2.5, 3, { backend })).toThrow("inFeatures must be a positive integer, got 2.5");
  });

  it("draws the same weights for the same seed", () => {
    // Copied out: on the wasm backend the next Dense's allocation may grow the memory and detach a view.
    const weights = (seed: number) => Array.from(new Dense(5, 5, { backend, seed }).weight.value.read());
    expect(weights(1)).toEqual(weights(1));
    expect(weights(1)).not.toEqual(weights(2));
  });
});

describe("buffer reuse", () => {
  const layers: [string, () => Module][] = [
    ["Dense", () => new Dense(5, 5, { backend, dtype: "float64" })],
    ...activationLayers,
  ];
  for (const [name, make] of layers) {
    it(`${name} returns the same output and dx tensors for the same batch size`, () => {
      const layer = make();
      const a = awayFromKinks([4, 5], 5);
      const b = awayFromKinks([4, 5], 6);
      const dy = awayFromKinks([4, 5], 7);
      const y1 = layer.forward(a);
      const dx1 = layer.backward(dy);
      const y2 = layer.forward(b);
      const dx2 = layer.backward(dy);
      expect(y2).toBe(y1);
      expect(dx2).toBe(dx1);
      const small = layer.forward(awayFromKinks([2, 5], 8));
      // Not `.not.toBe`: on a mismatch it deep-compares the tensors, reading wasm storages' stale views.
      expect(small === y1).toBe(false);
      expect(small.shape).toEqual([2, 5]);
      expect(layer.forward(a)).toBe(y1);
    });
  }
});

describe("float32 and backends", () => {
  for (const [name, make] of activationLayers) {
    it(`${name} runs in float32 and agrees with float64`, () => {
      const x64 = awayFromKinks([3, 5], 9);
      const dy64 = awayFromKinks([3, 5], 10);
      const x32 = fromArray(Float32Array.from(x64.read()), [3, 5]);
      const dy32 = fromArray(Float32Array.from(dy64.read()), [3, 5]);
      const [l32, l64] = [make(), make()];
      const y32 = l32.forward(x32);
      const y64 = l64.forward(x64);
      const dx32 = l32.backward(dy32);
      const dx64 = l64.backward(dy64);
      expect([y32.dtype, dx32.dtype]).toEqual(["float32", "float32"]);
      y64.read().forEach((v, i) => {
        expect(Math.abs(y32.read()[i]! - v)).toBeLessThan(1e-5 * (1 + Math.abs(v)));
      });
      dx64.read().forEach((v, i) => {
        expect(Math.abs(dx32.read()[i]! - v)).toBeLessThan(1e-5 * (1 + Math.abs(v)));
      });
    });
  }

  it("buffers live on the input's backend; Dense creates its weights on the given backend", () => {
    const backend = createJsBackend(); // a second backend value, not the project's
    const layer = new Dense(3, 2, { backend, dtype: "float64" });
    expect(layer.weight.value.backend).toBe(backend);
    expect(layer.weight.grad.backend).toBe(backend);
    const x = zeros([4, 3], { backend, dtype: "float64" });
    const y = layer.forward(x);
    expect(y.backend).toBe(backend);
    expect(new Tanh().forward(y).backend).toBe(backend);
    expect(layer.backward(zeros([4, 2], { backend, dtype: "float64" })).backend).toBe(backend);
  });
});

describe("activation layers", () => {
  it("apply h elementwise on any shape and keep the dtype", () => {
    const x = fromArray(new Float32Array([-2, -0.5, 0.5, 2, 3, -3]), [1, 2, 3]);
    const y = new ReLU().forward(x);
    expect(y.shape).toEqual([1, 2, 3]);
    expect(y.dtype).toBe("float32");
    expect([...y.read()]).toEqual([0, 0, 0.5, 2, 3, 0]);
  });

  it("activation() builds each by name, with options", () => {
    expect(activation("relu")).toBeInstanceOf(ReLU);
    expect(activation("geluTanh").toConfig()).toEqual({ type: "GELU", approximate: "tanh" });
    expect(activation({ name: "leakyRelu", slope: 0.3 }).toConfig()).toEqual({
      type: "LeakyReLU",
      slope: 0.3,
    });
    expect(activation({ name: "softplus", beta: 2 }).toConfig()).toEqual({
      type: "Softplus",
      beta: 2,
      threshold: 20,
    });
    expect(() => activation("swish" as never)).toThrow('unknown activation "swish"');
    expect(() => new Softplus({ beta: 0 })).toThrow("Softplus: beta must be a positive finite number, got 0");
  });
});

interface SoftmaxFixture {
  softmax: {
    x: number[][];
    dy: number[][];
    softmax: { y: number[][]; dx: number[][] };
    logSoftmax: { y: number[][]; dx: number[][] };
  };
}

describe("softmax and log-softmax", () => {
  const { softmax: fx } = readFixture<SoftmaxFixture>("activations.json");
  const x = tensor(fx.x, { dtype: "float64" });
  const dy = tensor(fx.dy, { dtype: "float64" });

  for (const [name, layer, expected] of [
    ["Softmax", new Softmax(), fx.softmax],
    ["LogSoftmax", new LogSoftmax(), fx.logSoftmax],
  ] as const) {
    it(`${name} matches PyTorch, forward and vector–Jacobian product, with a logit of 500`, () => {
      const y = layer.forward(x);
      const dx = layer.backward(dy);
      expected.y.flat().forEach((v, i) => {
        expect(Math.abs(y.read()[i]! - v)).toBeLessThanOrEqual(1e-15 + 1e-14 * Math.abs(v));
      });
      expected.dx.flat().forEach((v, i) => {
        expect(Math.abs(dx.read()[i]! - v)).toBeLessThanOrEqual(1e-15 + 1e-13 * Math.abs(v));
      });
    });
  }

  it("rows sum to 1 and log-softmax is the log of softmax", () => {
    const z = randomNormal([6, 7], new Rng(3), { dtype: "float64", std: 10 });
    const p = softmax(z);
    const lp = logSoftmax(z);
    for (let r = 0; r < 6; r++) {
      let total = 0;
      for (let j = 0; j < 7; j++) {
        total += p.read()[r * 7 + j]!;
        const expected = lp.read()[r * 7 + j]!;
        expect(Math.abs(Math.log(p.read()[r * 7 + j]!) - expected)).toBeLessThan(
          1e-12 * (1 + Math.abs(expected)),
        );
      }
      expect(total).toBeCloseTo(1, 14);
    }
  });

  it("works in place and rejects scalars", () => {
    const z = tensor([[1, 2, 3]], { dtype: "float64" });
    expect(softmax(z, z)).toBe(z);
    expect(z.read()[2]! + z.read()[1]! + z.read()[0]!).toBeCloseTo(1, 15);
    expect(() => softmax(tensor(1))).toThrow("softmax: needs at least one axis, got a scalar");
  });
});
