import { mlp } from "@backprop/layers";
import { MSELoss } from "@backprop/losses";
import { fromArray } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { traceNetwork } from "../engine/trace.js";
import { formulaRows } from "./formula.js";

function example() {
  const model = mlp({ sizes: [2, 3, 1], activation: "tanh", bias: false, dtype: "float64", seed: 4 });
  const trace = traceNetwork(
    model,
    new MSELoss({ reduction: "half-sum" }),
    fromArray([0.5, -1.5], [1, 2], { dtype: "float64" }),
    fromArray([1], [1, 1], { dtype: "float64" }),
  );
  const weights = model.parameters().map((p) => ({ weight: p.value.read() }));
  return { trace, weights };
}

const context = { activation: "tanh", bias: false, loss: "half-sum", lang: "en" } as const;

describe("formulaRows", () => {
  it("a hidden neuron shows a, z = h(a) and δ with the notes' indices and the trace's values", () => {
    const { trace, weights } = example();
    const rows = formulaRows(trace, weights, { kind: "neuron", layer: 2, index: 1 }, context);
    expect(rows.map((r) => [r.quantity, r.formula])).toEqual([
      ["a", "a^(2)_2 = Σ_i W^(1)_{2i} z^(1)_i"],
      ["z", "z^(2)_2 = h(a^(2)_2),  h = tanh"],
      ["delta", "δ^(2)_2 = h′(a^(2)_2) · Σ_k W^(2)_{k2} δ^(3)_k"],
    ]);
    expect(rows[0]!.value).toBe(trace.layers[1]!.a[1]);
    expect(rows[1]!.value).toBeCloseTo(Math.tanh(rows[0]!.value), 14);
    // δ^(2)_2 = (1 − z²) · W^(2)_{12} δ^(3)_1, the notes' recursion with one output
    const d3 = trace.layers[2]!.delta![0]!;
    expect(rows[2]!.value).toBeCloseTo((1 - rows[1]!.value ** 2) * weights[1]!.weight[1]! * d3, 14);
  });

  it("the output neuron shows y = a^(L), δ^(L) = y − t for ½Σ(y − t)², and E", () => {
    const { trace, weights } = example();
    const rows = formulaRows(trace, weights, { kind: "neuron", layer: 3, index: 0 }, context);
    const y = rows[1]!.value;
    expect(rows[2]!.formula).toBe("δ^(3) = ∂E/∂y = y − t   (E = ½Σ(y − t)²)");
    expect(rows[2]!.value).toBeCloseTo(y - 1, 14);
    expect(rows[3]!.value).toBeCloseTo(0.5 * (y - 1) ** 2, 14);
  });

  it("a weight shows ∂E/∂W^(l)_{ji} = δ^(l+1)_j z^(l)_i, equal to the product of the rows above", () => {
    const { trace, weights } = example();
    const rows = formulaRows(
      trace,
      weights,
      { kind: "weight", layer: 1, row: 2, column: 0 },
      { ...context, lang: "zh" },
    );
    expect(rows.map((r) => r.quantity)).toEqual(["weight", "delta", "z", "grad"]);
    expect(rows[3]!.formula).toBe("∂E/∂W^(1)_{31} = δ^(2)_3 · z^(1)_1");
    expect(rows[3]!.label).toBe("权重的梯度");
    expect(rows[0]!.value).toBe(weights[0]!.weight[2 * 2 + 0]);
    expect(rows[3]!.value).toBeCloseTo(rows[1]!.value * rows[2]!.value, 14);
  });

  it("a selection outside the net gives no rows", () => {
    const { trace, weights } = example();
    expect(formulaRows(trace, weights, { kind: "neuron", layer: 2, index: 5 }, context)).toEqual([]);
    expect(formulaRows(trace, weights, { kind: "weight", layer: 3, row: 0, column: 0 }, context)).toEqual([]);
  });
});
