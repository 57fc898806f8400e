import { mlp } from "@backprop/layers";
import { MSELoss } from "@backprop/losses";
import { fromArray } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { traceNetwork } from "./trace.js";

/** Each element of `actual` equals `expected` to 14 digits. */
function expectClose(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 14);
}

describe("traceNetwork", () => {
  it("gives the notes' a, z, δ and ∂E/∂W = δ zᵀ of a bias-free tanh net, by hand", () => {
    const model = mlp({ sizes: [2, 2, 1], activation: "tanh", bias: false, dtype: "float64" });
    const W1 = [0.5, -0.3, 0.2, 0.8];
    const W2 = [1.5, -2];
    model.parameters()[0]!.value.write(W1);
    model.parameters()[1]!.value.write(W2);
    const x = [1.2, -0.7];
    const t = 0.4;
    const trace = traceNetwork(
      model,
      new MSELoss({ reduction: "half-sum" }),
      fromArray(x, [1, 2], { dtype: "float64" }),
      fromArray([t], [1, 1], { dtype: "float64" }),
    );
    // a^(2) = W^(1) z^(1), z^(2) = tanh(a^(2)), y = a^(3) = W^(2) z^(2)
    const a2 = [W1[0]! * x[0]! + W1[1]! * x[1]!, W1[2]! * x[0]! + W1[3]! * x[1]!];
    const z2 = a2.map(Math.tanh);
    const y = W2[0]! * z2[0]! + W2[1]! * z2[1]!;
    // E = ½(y − t)², δ^(3) = y − t, δ^(2) = h′(a^(2)) ⊙ (W^(2))ᵀ δ^(3)
    const d3 = y - t;
    const d2 = [0, 1].map((j) => (1 - z2[j]! ** 2) * W2[j]! * d3);
    const [l1, l2, l3] = trace.layers;
    expect(Array.from(l1!.z)).toEqual(x);
    expectClose(l2!.a, a2);
    expectClose(l2!.z, z2);
    expect(l3!.a[0]).toBeCloseTo(y, 14);
    expect(l3!.delta![0]).toBeCloseTo(d3, 14);
    expectClose(l2!.delta!, d2);
    expect(trace.loss).toBeCloseTo(0.5 * d3 * d3, 14);
    // ∂E/∂W^(1) = δ^(2) z^(1)ᵀ, ∂E/∂W^(2) = δ^(3) z^(2)ᵀ
    const g1 = [d2[0]! * x[0]!, d2[0]! * x[1]!, d2[1]! * x[0]!, d2[1]! * x[1]!];
    expectClose(trace.gradients[0]!, g1);
    expectClose(
      trace.gradients[1]!,
      z2.map((z) => d3 * z),
    );
    expect(trace.biasGradients).toEqual([undefined, undefined]);
  });
});
