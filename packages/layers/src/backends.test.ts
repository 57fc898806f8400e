import {
  type Backend,
  createJsBackend,
  fromArray,
  jsBackend,
  Rng,
  randomNormal,
  type Tensor,
} from "@backprop/tensor";
import { expectProjectBackend, normwiseError, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import { ACTIVATION_NAMES, activation, Dense, Dropout, type Module, mlp, ReLU, Sequential } from "./index.js";

/*
 * Every layer on the test project's backend and on the JS backend (float32 both), forward and
 * backward, compared element by element. The wasm backend computes gemm with f32x4 accumulators in
 * another order and evaluates float32 programs in float32; the tolerance is 1e-5 of the expected
 * values' scale (max_i |project_i − js_i| / max_i |js_i|): float32 rounding (ε ≈ 6e-8) summed over
 * ≤ 100 terms stays well below it, while a wrong element, mask or index is off by O(1). (On the js
 * and opaque projects the two runs are bitwise equal.)
 */
const TOLERANCE = 1e-5;

const backend = await projectBackend();

/** A float32 copy of `t`'s elements on `backend` (never sharing memory with `t`). */
function on(backend: Backend, t: Tensor): Tensor {
  return fromArray(Float32Array.from(t.read()), t.shape, { backend });
}

/** N(0, 1) float32 values on the JS backend, with a few exact zeros (ReLU's kink). */
function normal(shape: number[], seed: number): Tensor {
  const values = randomNormal(shape, new Rng(seed)).read();
  for (let i = 0; i < values.length; i += 7) values[i] = 0;
  return fromArray(values, shape);
}

interface Pass {
  outputs: Float32Array[];
  inputGrads: Float32Array[];
  paramGrads: Float32Array[][];
}

/**
 * Two forward/backward passes of `make(backend)` (the second reuses the layer's buffers and
 * accumulates into the parameter gradients), everything copied out.
 */
function run(make: (backend: Backend) => Module, backend: Backend, inputShape: number[]): Pass {
  const layer = make(backend);
  const pass: Pass = { outputs: [], inputGrads: [], paramGrads: [] };
  for (let step = 0; step < 2; step++) {
    const y = layer.forward(on(backend, normal(inputShape, 10 + step)));
    const dx = layer.backward(on(backend, normal(y.shape as number[], 20 + step)));
    pass.outputs.push(Float32Array.from(y.read()));
    pass.inputGrads.push(Float32Array.from(dx.read()));
    pass.paramGrads.push(layer.parameters().map((p) => Float32Array.from(p.grad.read())));
  }
  return pass;
}

function expectSamePass(make: (backend: Backend) => Module, inputShape: number[]): void {
  const expected = run(make, jsBackend, inputShape);
  const actual = run(make, backend, inputShape);
  for (let step = 0; step < 2; step++) {
    expect(normwiseError(actual.outputs[step]!, expected.outputs[step]!)).toBeLessThan(TOLERANCE);
    expect(normwiseError(actual.inputGrads[step]!, expected.inputGrads[step]!)).toBeLessThan(TOLERANCE);
    const grads = expected.paramGrads[step]!;
    expect(actual.paramGrads[step]!.length).toBe(grads.length);
    grads.forEach((g, i) => {
      expect(normwiseError(actual.paramGrads[step]![i]!, g)).toBeLessThan(TOLERANCE);
    });
  }
}

const ACTIVATIONS = ACTIVATION_NAMES;

describe("layers on the project's backend agree with the JS backend (float32, 1e-5 of the scale)", () => {
  it("runs on the test project's backend", () => {
    expectProjectBackend(new Dense(2, 2, { backend }).weight.value.backend);
  });

  it("Dense with bias: a = z·Wᵀ + b, ∂E/∂W += δᵀ·z, ∂E/∂b += Σ_n δ_n, δ·W", () => {
    expectSamePass((backend) => new Dense(37, 19, { backend, seed: 3 }), [16, 37]);
  });

  it("Dense without bias: the notes' a = W z", () => {
    expectSamePass((backend) => new Dense(64, 33, { backend, seed: 4, bias: false }), [9, 64]);
  });

  it("Dense starts from the same weights on both backends (the initialiser draws in JS)", () => {
    const a = new Dense(5, 3, { seed: 1 });
    const b = new Dense(5, 3, { seed: 1, backend });
    expect(Array.from(b.weight.value.read())).toEqual(Array.from(a.weight.value.read()));
    expect(Array.from(b.bias!.value.read())).toEqual(Array.from(a.bias!.value.read()));
  });

  for (const name of ACTIVATIONS) {
    it(`activation ${name}: z = h(a), δ_a = h′(a) ⊙ δ_z (or the softmax Jacobian-vector product)`, () => {
      expectSamePass(() => activation(name), [12, 10]);
    });
  }

  it("activations on rank-1 and rank-3 inputs", () => {
    expectSamePass(() => activation("relu"), [30]);
    expectSamePass(() => activation("tanh"), [2, 3, 5]);
    expectSamePass(() => activation("softmax"), [2, 3, 5]);
  });

  it("Dropout: the same seeded masks, y = x ⊙ m and dx = dy ⊙ m; the identity in eval mode", () => {
    expectSamePass(() => new Dropout(0.3, { seed: 5 }), [8, 20]);
    expectSamePass(() => new Dropout(0.3, { seed: 5 }).train(false), [8, 20]);
  });

  it("Sequential and mlp(): forward first to last, backward last to first", () => {
    expectSamePass(
      (backend) =>
        new Sequential([
          new Dense(12, 8, { backend, seed: 6 }),
          activation("tanh"),
          new Dense(8, 4, { backend, seed: 7, bias: false }),
          activation("logSoftmax"),
        ]),
      [5, 12],
    );
    expectSamePass(
      (backend) =>
        mlp({ sizes: [20, 16, 12, 6], activation: ["relu", "gelu"], dropout: 0.2, backend, seed: 8 }),
      [7, 20],
    );
    expectSamePass((backend) => mlp({ sizes: [784, 256, 128, 10], backend, seed: 9 }), [32, 784]);
  });
});

describe("ReLU backward", () => {
  it("gives 0 where a ≤ 0 whatever δ_z is (PyTorch's threshold_backward), on both backends", () => {
    for (const place of [jsBackend, backend]) {
      const relu = new ReLU();
      relu.forward(fromArray(new Float32Array([-1, 0, 2, -3]), [4], { backend: place }));
      const dz = fromArray(new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, 5, -7]), [4], {
        backend: place,
      });
      expect(Array.from(relu.backward(dz).read())).toEqual([0, 0, 5, 0]);
    }
  });

  it("rejects a δ_z from another backend with a clear error", () => {
    const relu = new ReLU();
    relu.forward(on(backend, normal([2, 3], 1)));
    expect(() => relu.backward(on(createJsBackend(), normal([2, 3], 2)))).toThrow(
      "ReLU.backward: tensors live on different backends",
    );
  });
});
