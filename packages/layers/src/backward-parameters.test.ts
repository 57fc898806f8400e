import { createJsBackend, type DType, Rng, type Tensor } from "@backprop/tensor";
import { onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it, vi } from "vitest";
import {
  accumulateParameterGradients,
  Dense,
  Dropout,
  LayerError,
  type Module,
  mlp,
  ReLU,
  Sequential,
  Tanh,
} from "./index.js";

const backend = await projectBackend();
const { randomNormal } = onBackend(backend);

/** Models whose lowest parameterised layer sits at different depths, with and without bias. */
const MODELS: Record<string, (dtype: DType) => Module> = {
  "mlp 5-8-6-3 relu": (dtype) => mlp({ backend, sizes: [5, 8, 6, 3], activation: "relu", dtype, seed: 1 }),
  "Dropout, Dense, Tanh, Dense (no bias)": (dtype) =>
    new Sequential([
      new Dropout(0.3, { seed: 4 }),
      new Dense(5, 7, { backend, dtype, seed: 2 }),
      new Tanh(),
      new Dense(7, 3, { backend, dtype, seed: 3, bias: false }),
    ]),
  "ReLU first, nested Sequential": (dtype) =>
    new Sequential([
      new ReLU(),
      new Sequential([new Dense(5, 4, { backend, dtype, seed: 5 }), new Tanh()]),
      new Dense(4, 3, { backend, dtype, seed: 6 }),
    ]),
};

/** Parameter gradients after two forward/backward steps (the second accumulates), copied out. */
function gradientsAfterTwoSteps(
  model: Module,
  dtype: DType,
  backward: (model: Module, dy: Tensor) => void,
): Float64Array[] {
  const rng = new Rng(9);
  for (let step = 0; step < 2; step++) {
    const y = model.forward(randomNormal([4, 5], rng, { dtype }));
    backward(model, randomNormal(y.shape, rng, { dtype }));
  }
  return model.parameters().map((p) => Float64Array.from(p.grad.read()));
}

describe("backwardParameters: parameter gradients without dE/dx", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, make] of Object.entries(MODELS)) {
      it(`${name}, ${dtype}: bitwise the gradients backward accumulates`, () => {
        const expected = gradientsAfterTwoSteps(make(dtype), dtype, (m, dy) => m.backward(dy));
        const actual = gradientsAfterTwoSteps(make(dtype), dtype, (m, dy) => m.backwardParameters?.(dy));
        expect(actual).toEqual(expected);
        expect(expected.every((g) => g.some((v) => v !== 0))).toBe(true);
      });
    }
  }

  it("skips the first Dense layer's δ·W product (one gemm fewer) and the parameterless layers below it", () => {
    const backend = createJsBackend();
    const dropout = new Dropout(0.5, { seed: 1 });
    const model = new Sequential([dropout, ...mlp({ sizes: [6, 5, 2], backend, seed: 2 }).layers]);
    const gemm = vi.spyOn(backend, "gemm");
    const dropoutBackward = vi.spyOn(dropout, "backward");
    const x = randomNormal([3, 6], new Rng(3), { backend });
    const dy = randomNormal([3, 2], new Rng(4), { backend });

    model.forward(x);
    gemm.mockClear();
    model.backward(dy);
    expect(gemm).toHaveBeenCalledTimes(4); // per Dense: δᵀ·z and δ·W
    expect(dropoutBackward).toHaveBeenCalledTimes(1);

    model.forward(x);
    gemm.mockClear();
    dropoutBackward.mockClear();
    model.backwardParameters(dy);
    expect(gemm).toHaveBeenCalledTimes(3);
    expect(dropoutBackward).not.toHaveBeenCalled();
  });

  it("accumulateParameterGradients falls back to backward for a layer without backwardParameters", () => {
    const dense = new Dense(3, 2, { backend, seed: 1 });
    const withoutIt = {
      forward: (x: Tensor) => dense.forward(x),
      backward: (dy: Tensor) => dense.backward(dy),
      parameters: () => dense.parameters(),
      train: () => withoutIt,
      training: true,
    };
    const x = randomNormal([2, 3], new Rng(2));
    const dy = randomNormal([2, 2], new Rng(3));
    withoutIt.forward(x);
    accumulateParameterGradients(withoutIt, dy);
    const viaBackward = Float32Array.from(dense.weight.grad.read());
    dense.weight.grad.write(new Float32Array(dense.weight.grad.size));
    dense.bias?.grad.write(new Float32Array(dense.bias.grad.size));
    accumulateParameterGradients(dense, dy);
    expect(dense.weight.grad.read()).toEqual(viaBackward);
    expect(viaBackward.some((v) => v !== 0)).toBe(true);
  });

  it("refuses to run before forward or with a δ of the wrong shape, like backward", () => {
    const dense = new Dense(3, 2, { backend });
    expect(() => dense.backwardParameters(randomNormal([2, 2], new Rng(1)))).toThrow(
      new LayerError("Dense.backward: called before forward"),
    );
    dense.forward(randomNormal([2, 3], new Rng(1)));
    expect(() => dense.backwardParameters(randomNormal([2, 3], new Rng(1)))).toThrow(
      new LayerError("Dense.backward: dy has shape [2,3], expected the output shape [2,2]"),
    );
  });

  it("a model without parameters has nothing to accumulate", () => {
    const model = new Sequential([new ReLU(), new Tanh()]);
    const relu = model.layers[0]!;
    const backward = vi.spyOn(relu, "backward");
    model.forward(randomNormal([2, 3], new Rng(1)));
    model.backwardParameters(randomNormal([2, 3], new Rng(2)));
    expect(backward).not.toHaveBeenCalled();
  });
});
