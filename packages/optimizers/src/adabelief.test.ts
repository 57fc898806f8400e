import { parameter } from "@backprop/tensor";
import { normwiseError, onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import fixtures from "../fixtures/adabelief.json";
import { type AdaBeliefOptions, adabelief, createOptimizerRegistry, Optimizer } from "./index.js";
import { checkOptimizer } from "./testing/index.js";

/*
 * AdaBelief, the contributor path: one file (src/alias/adabelief.ts) and this test, nothing else in the
 * optimizers package's engine, tensor or tensor-wasm. The reference is fixtures/generate_adabelief.py: the
 * paper's algorithm box in torch float64 ops on the same problem and gradients as the PyTorch fixtures,
 * compared per tensor and step by the normwise relative error (see torch.test.ts for why normwise).
 */

interface Case {
  name: string;
  options: AdaBeliefOptions;
  initial: number[][];
  grads: number[][][];
  params: number[][][];
}
const reference = fixtures as { names: string[]; shapes: number[][]; cases: Case[] };
const backend = await projectBackend();
const { fromArray } = onBackend(backend);

describe("adabelief", () => {
  it("passes the conformance kit", () => {
    const report = checkOptimizer({
      name: "adabelief",
      create: () => adabelief({ lr: 0.05, weightDecay: 0.01, amsgrad: true }),
      invalid: [() => adabelief({ eps: -1 }), () => adabelief({ decoupledWeightDecay: 1 as never })],
      backend,
    });
    expect(report.checks.every((c) => c.passed)).toBe(true);
  });

  for (const c of reference.cases) {
    it(`matches the paper's algorithm in torch float64: ${c.name} (normwise < 1e-12 at each of 100 steps)`, () => {
      const params = reference.names.map((name, i) =>
        parameter(name, fromArray(Float64Array.from(c.initial[i]!), reference.shapes[i]!)),
      );
      const optimizer = new Optimizer(
        createOptimizerRegistry().create({ type: "adabelief", options: c.options as never }),
        params,
      );
      let worst = 0;
      c.grads.forEach((grads, t) => {
        params.forEach((p, i) => {
          p.grad.write(grads[i]!);
        });
        optimizer.step();
        params.forEach((p, i) => {
          worst = Math.max(worst, normwiseError(p.value.read(), c.params[t]![i]!));
        });
      });
      expect(worst).toBeLessThan(1e-12);
    });
  }
});
