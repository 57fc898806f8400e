import { readFileSync } from "node:fs";
import { registerGradcheckMatchers } from "@backprop/gradcheck/vitest";
import { Rng, type Tensor } from "@backprop/tensor";
import { onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  ACTIVATION_NAMES,
  architectureOf,
  Dense,
  Dropout,
  LayerError,
  loadModelFromBytes,
  mlp,
  modelFromArchitecture,
  ReLU,
  Sequential,
  summary,
  Tanh,
} from "./index.js";
import { fixturePath, readFixture, relativeError, STRICT } from "./test-kit.js";

const backend = await projectBackend();
const { randomNormal, randomUniform, tensor, zeros } = onBackend(backend);

registerGradcheckMatchers(expect);

const ACTIVATIONS = ACTIVATION_NAMES;

describe("mlp()", () => {
  it("mirrors the notes' L-layer net: Dense(I_l → I_{l+1}) with h^(l) between, names as nn.Sequential", () => {
    const model = mlp({ backend, sizes: [4, 5, 3, 2], activation: "tanh", outputActivation: "sigmoid" });
    expect(model.layers.map((l) => l.type)).toEqual(["Dense", "Tanh", "Dense", "Tanh", "Dense", "Sigmoid"]);
    expect(model.parameters().map((p) => [p.name, p.value.shape])).toEqual([
      ["0.weight", [5, 4]],
      ["0.bias", [5]],
      ["2.weight", [3, 5]],
      ["2.bias", [3]],
      ["4.weight", [2, 3]],
      ["4.bias", [2]],
    ]);
  });

  it("takes one activation per hidden layer, no bias, dtype, dropout", () => {
    const model = mlp({
      backend,
      sizes: [3, 4, 4, 1],
      activation: ["relu", { name: "elu", alpha: 0.5 }],
      bias: false,
      dtype: "float64",
      dropout: 0.1,
    });
    expect(model.layers.map((l) => l.type)).toEqual([
      "Dense",
      "ReLU",
      "Dropout",
      "Dense",
      "ELU",
      "Dropout",
      "Dense",
    ]);
    expect(model.parameters().map((p) => p.name)).toEqual(["0.weight", "3.weight", "6.weight"]);
    expect(model.parameters().every((p) => p.value.dtype === "float64")).toBe(true);
    expect(() => mlp({ backend, sizes: [3, 4, 1], activation: ["relu", "tanh"] })).toThrow(
      "2 activations given for 1 hidden layers",
    );
    expect(() => mlp({ backend, sizes: [3] })).toThrow(LayerError);
  });

  it("is deterministic in its seed", () => {
    const a = mlp({ backend, sizes: [3, 4, 2], seed: 5 }).parameters();
    const b = mlp({ backend, sizes: [3, 4, 2], seed: 5 }).parameters();
    const c = mlp({ backend, sizes: [3, 4, 2], seed: 6 }).parameters();
    expect(a.map((p) => [...p.value.read()])).toEqual(b.map((p) => [...p.value.read()]));
    expect(a.map((p) => [...p.value.read()])).not.toEqual(c.map((p) => [...p.value.read()]));
  });
});

/**
 * Every element of the input and of every parameter, under STRICT (rel err ≤ 1e-7; gradient elements
 * below ~1e-2 are held to |a − n| ≤ 1e-9 instead, see src/test-kit.ts).
 */
describe("whole models pass gradient checks (float64)", () => {
  const widths = [3, 4, 3, 5, 2];
  for (let depth = 1; depth <= 4; depth++) {
    for (const bias of [true, false]) {
      for (const act of ACTIVATIONS) {
        it(`depth ${depth}, bias ${bias}, ${act}`, () => {
          const model = mlp({
            backend,
            sizes: widths.slice(0, depth + 1),
            activation: act,
            outputActivation: depth % 2 === 0 ? act : "identity",
            bias,
            dtype: "float64",
            seed: depth,
            biasInit: "ones",
          });
          const x = randomNormal([4, 3], new Rng(depth * 10 + 1), { dtype: "float64" });
          expect(model).toPassGradcheck(x, { ...STRICT, seed: depth });
        });
      }
    }
  }
});

interface MlpFixture {
  input: number[][];
  target: number[][];
  output: number[][];
  loss: number;
  inputGrad: number[][];
  paramGrads: Record<string, number[] | number[][]>;
}

describe("PyTorch fixture: 4-5-3-2 MLP (tanh, ReLU, sigmoid, bias, float64)", () => {
  const fx = readFixture<MlpFixture>("mlp-4-5-3-2.json");
  const model = loadModelFromBytes(
    {
      architecture: readFixture("mlp-4-5-3-2.architecture.json"),
      weights: new Uint8Array(readFileSync(fixturePath("mlp-4-5-3-2.safetensors"))),
    },
    { backend },
  );
  const expectClose = (actual: Tensor, expected: number[] | number[][], what: string) => {
    const flat = expected.flat();
    expect(actual.size, what).toBe(flat.length);
    const values = actual.read();
    flat.forEach((v, i) => {
      expect(relativeError(values[i]!, v), `${what}[${i}]`).toBeLessThan(1e-12);
    });
  };

  it("loads PyTorch's state_dict unchanged and computes the same forward pass", () => {
    const y = model.forward(tensor(fx.input, { dtype: "float64" }));
    expectClose(y, fx.output, "y");
  });

  it("back-propagates the same gradients for E = ½Σ(y − t)² (input and every parameter)", () => {
    const x = tensor(fx.input, { dtype: "float64" });
    const t = tensor(fx.target, { dtype: "float64" });
    for (const p of model.parameters()) p.grad.write(new Float64Array(p.grad.size));
    const y = model.forward(x);
    const [ys, ts] = [y.read(), t.read()];
    const residuals = new Float64Array(y.size);
    let loss = 0;
    for (let i = 0; i < y.size; i++) {
      const r = ys[i]! - ts[i]!;
      loss += 0.5 * r * r;
      residuals[i] = r; // ∂E/∂y = y − t
    }
    const dy = tensor(Array.from(residuals), { dtype: "float64" }).reshape(y.shape);
    expect(relativeError(loss, fx.loss)).toBeLessThan(1e-12);
    expectClose(model.backward(dy), fx.inputGrad, "∂E/∂x");
    const names = model.parameters().map((p) => p.name);
    expect(names).toEqual(Object.keys(fx.paramGrads));
    for (const p of model.parameters()) expectClose(p.grad, fx.paramGrads[p.name]!, `∂E/∂${p.name}`);
  });
});

describe("training the notes' two-layer net y = W⁽²⁾h(W⁽¹⁾x) by gradient descent", () => {
  it("E = ½Σ(y − t)² falls monotonically for a small η", () => {
    const rng = new Rng(11);
    const x = randomUniform([32, 3], rng, { low: -1, high: 1, dtype: "float64" });
    const xs = x.read();
    const targets = new Float64Array(32);
    for (let n = 0; n < 32; n++) {
      const [a, b, c] = [xs[n * 3]!, xs[n * 3 + 1]!, xs[n * 3 + 2]!];
      targets[n] = Math.sin(a) + 0.5 * b * c;
    }
    const ts = targets;
    const net = mlp({
      backend,
      sizes: [3, 8, 1],
      activation: "sigmoid",
      bias: false,
      dtype: "float64",
      seed: 3,
    });
    expect(net.layers.map((l) => l.type)).toEqual(["Dense", "Sigmoid", "Dense"]);
    const eta = 0.01;
    const dy = zeros([32, 1], { dtype: "float64" });
    const losses: number[] = [];
    for (let step = 0; step < 300; step++) {
      for (const p of net.parameters()) p.grad.write(new Float64Array(p.grad.size));
      const y = net.forward(x);
      const ys = y.read();
      const residuals = new Float64Array(32);
      let e = 0;
      for (let i = 0; i < 32; i++) {
        const r = ys[i]! - ts[i]!;
        e += 0.5 * r * r; // E = ½ Σ (y − t)²
        residuals[i] = r; // ∂E/∂y = y − t
      }
      losses.push(e);
      dy.write(residuals);
      net.backward(dy);
      for (const p of net.parameters()) {
        const [w, g] = [p.value.read(), p.grad.read()];
        for (let i = 0; i < w.length; i++) w[i] = w[i]! - eta * g[i]!; // W ← W − η∇E
        p.value.write(w);
      }
    }
    for (let s = 1; s < losses.length; s++) expect(losses[s]!, `step ${s}`).toBeLessThan(losses[s - 1]!);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
  });
});

describe("Sequential", () => {
  it("prefixes nested names, propagates train/eval, refuses a layer used twice", () => {
    const inner = new Sequential([new Dense(2, 2, { backend }), new Dropout(0.5)]);
    const model = new Sequential([inner, new ReLU(), new Dense(2, 1, { backend })]);
    expect(model.parameters().map((p) => p.name)).toEqual(["0.0.weight", "0.0.bias", "2.weight", "2.bias"]);
    model.train(false);
    expect(inner.layers[1]!.training).toBe(false);
    const relu = new ReLU();
    expect(() => new Sequential([relu, relu])).toThrow("the same layer instance appears more than once");
  });

  it("round-trips through its architecture JSON", () => {
    const model = mlp({
      backend,
      sizes: [4, 6, 3],
      activation: { name: "leakyRelu", slope: 0.2 },
      outputActivation: "softmax",
      dropout: 0.25,
      dtype: "float64",
    });
    const architecture = architectureOf(model);
    const json = JSON.parse(JSON.stringify(architecture));
    expect(json.model.layers).toEqual([
      { type: "Dense", inFeatures: 4, outFeatures: 6, bias: true, dtype: "float64" },
      { type: "LeakyReLU", slope: 0.2 },
      { type: "Dropout", p: 0.25, seed: expect.any(Number) },
      { type: "Dense", inFeatures: 6, outFeatures: 3, bias: true, dtype: "float64" },
      { type: "Softmax" },
    ]);
    expect(architectureOf(modelFromArchitecture(json))).toEqual(architecture);
    expect(() => modelFromArchitecture({ ...json, version: 2 })).toThrow('unsupported "version" 2');
    expect(() =>
      modelFromArchitecture({ ...json, model: { type: "Conv2d" } }, { source: "arch.json" }),
    ).toThrow('arch.json: LayerRegistry.build: unknown layer type "Conv2d"');
    expect(() =>
      modelFromArchitecture({ ...json, model: { type: "Dense", inFeatures: "4", outFeatures: 2 } }),
    ).toThrow('Dense config: "inFeatures" must be a number, got "4"');
  });
});

describe("summary()", () => {
  it("prints a Keras-like table with output shapes and parameter counts", () => {
    const text = summary(
      new Sequential([new Dense(4, 5, { backend }), new Tanh(), new Dense(5, 2, { backend, bias: false })]),
      [4],
    );
    expect(text).toBe(
      [
        "Layer (type)  Output Shape    Param #",
        "=====================================",
        "0 (Dense)     (None, 5)            25",
        "1 (Tanh)      (None, 5)             0",
        "2 (Dense)     (None, 2)            10",
        "=====================================",
        "Total params: 35 (140 B)",
        "Trainable params: 35",
      ].join("\n"),
    );
    expect(() => summary(new Dense(4, 5, { backend }), [3])).toThrow("input shape [1,3] does not end in 4");
  });
});
