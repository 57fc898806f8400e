/*
 * After `zeroGradient`, a Dense layer's backward overwrites its gradients (gemm with β = 0) instead
 * of adding to zeros written first: the same gradients, bitwise, whatever the buffers held before.
 */
import { type DType, Rng, zeroGradient } from "@backprop/tensor";
import { onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import { Dense, type Module, mlp, Sequential, Tanh } from "./index.js";

const backend = await projectBackend();
const { randomNormal } = onBackend(backend);

const MODELS: Record<string, (dtype: DType) => Module> = {
  "mlp 5-8-6-3 relu": (dtype) => mlp({ backend, sizes: [5, 8, 6, 3], activation: "relu", dtype, seed: 1 }),
  "Dense, Tanh, Dense (no bias)": (dtype) =>
    new Sequential([
      new Dense(5, 7, { backend, dtype, seed: 2 }),
      new Tanh(),
      new Dense(7, 3, { backend, dtype, seed: 3, bias: false }),
    ]),
};

/**
 * The gradients of `backwards` forward/backward steps after the gradients were zeroed: by writing
 * zeros, or by `zeroGradient` over buffers that held NaN (which an overwrite must never read).
 */
function gradients(model: Module, dtype: DType, backwards: number, lazily: boolean): Float64Array[] {
  const params = model.parameters();
  for (const p of params) p.grad.write(new Float64Array(p.grad.size).fill(lazily ? Number.NaN : 0));
  if (lazily) for (const p of params) zeroGradient(p);
  const rng = new Rng(9);
  for (let step = 0; step < backwards; step++) {
    const y = model.forward(randomNormal([4, 5], rng, { dtype }));
    model.backward(randomNormal(y.shape, rng, { dtype }));
  }
  return params.map((p) => Float64Array.from(p.grad.read()));
}

describe("Dense backward after zeroGradient", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, make] of Object.entries(MODELS)) {
      for (const backwards of [1, 2]) {
        it(`${name}, ${dtype}, ${backwards} backward(s): bitwise the gradients on written zeros`, () => {
          const expected = gradients(make(dtype), dtype, backwards, false);
          expect(gradients(make(dtype), dtype, backwards, true)).toEqual(expected);
          expect(expected.every((g) => g.every(Number.isFinite) && g.some((v) => v !== 0))).toBe(true);
        });
      }
    }
  }
});
