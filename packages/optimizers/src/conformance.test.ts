import { type Expr, type Tensor, zerosLike } from "@backprop/tensor";
import { expectProjectBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  adadelta,
  adagrad,
  adam,
  adamax,
  adamw,
  chain,
  clipByGlobalNorm,
  clipByValue,
  cosineAnnealingLr,
  lion,
  nadam,
  type ParamTensors,
  partition,
  reduceLrOnPlateau,
  rmsprop,
  sgd,
} from "./index.js";
import { checkOptimizer, countTypedArrayAllocations, quadratic } from "./testing/index.js";

const backend = await projectBackend();

it("runs on the test project's backend (js, wasm or opaque): the kit's parameters are placed there", () => {
  expectProjectBackend(quadratic("float32", 7, backend).parameters[0]!.value.backend);
});

describe("every built-in optimizer passes the conformance kit", () => {
  const cases = [
    {
      name: "sgd",
      create: () => sgd({ lr: 0.1 }),
      invalid: [() => sgd({ lr: 0 }), () => sgd({ lr: 0.1, momentum: 1 })],
    },
    {
      name: "sgd nesterov + weight decay",
      create: () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
      invalid: [() => sgd({ lr: 0.1, nesterov: true }), () => sgd({ lr: 0.1, weightDecay: -1 })],
    },
    {
      name: "adam",
      create: () => adam({ lr: 0.05, amsgrad: true }),
      invalid: [() => adam({ betas: [0.9, 1] })],
    },
    {
      name: "adamw (biases undecayed)",
      create: () => adamw({ lr: 0.05, weightDecayMask: (p) => p.shape.length > 1 }),
      invalid: [() => adamw({ eps: -1 }), () => adamw({ lr: Number.NaN })],
    },
    {
      name: "rmsprop",
      create: () => rmsprop({ momentum: 0.5, centered: true }),
      invalid: [() => rmsprop({ alpha: 1.5 })],
    },
    {
      name: "adagrad",
      create: () => adagrad({ lr: 0.1, lrDecay: 0.01 }),
      invalid: [() => adagrad({ lrDecay: -1 })],
    },
    { name: "adamax", create: () => adamax({ lr: 0.05 }), invalid: [() => adamax({ betas: [-0.1, 0.9] })] },
    {
      name: "nadam",
      create: () => nadam({ lr: 0.05, weightDecay: 0.01 }),
      invalid: [() => nadam({ momentumDecay: -1 })],
    },
    { name: "adadelta", create: () => adadelta(), invalid: [() => adadelta({ rho: 2 })] },
    {
      name: "lion",
      create: () => lion({ lr: 0.01, weightDecay: 0.1 }),
      invalid: [() => lion({ betas: [0.9, 0.99, 0.5] as never })],
    },
    {
      name: "clipped adam on a cosine schedule",
      create: () =>
        chain(clipByGlobalNorm({ maxNorm: 1 }), adam({ lr: cosineAnnealingLr({ lr: 0.05, tMax: 100 }) })),
      invalid: [() => clipByGlobalNorm({ maxNorm: 0 })],
    },
    {
      name: "max-norm clip, value clip and a partition",
      create: () =>
        chain(
          clipByGlobalNorm({ maxNorm: 0.5, normType: "inf" }),
          partition(
            { w: adam({ lr: 0.05 }), b: chain(clipByValue({ clipValue: 1 }), sgd({ lr: 0.1 })) },
            (p) => (p.shape.length > 1 ? "w" : "b"),
          ),
        ),
      invalid: [() => clipByValue({ clipValue: -1 })],
    },
    {
      name: "sgd on reduce-on-plateau",
      create: () => sgd({ lr: reduceLrOnPlateau({ lr: 0.1 }), momentum: 0.9 }),
      invalid: [() => reduceLrOnPlateau({ lr: 0.1, factor: 1 })],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const report = checkOptimizer({ ...c, backend });
      expect(report.checks.every((check) => check.passed)).toBe(true);
      expect(report.checks.length).toBe(9);
    });
  }
});

describe("the conformance kit catches broken optimizers", () => {
  it("reports an optimizer that allocates per step, keeps bare tensors and accepts anything", () => {
    const leaky = () => ({
      init: () => ({ velocity: [] as Tensor[] }),
      update(updates: readonly Expr[], state: { velocity: Tensor[] }, params: ParamTensors) {
        state.velocity = params.tensors.map((t) => zerosLike(t));
        return updates.map((u) => u.mul(-0.1));
      },
    });
    let message = "";
    try {
      checkOptimizer({ name: "leaky", create: leaky as never, invalid: [() => 1], backend });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("leaky fails");
    expect(message).toContain("allocates nothing per step (float64): update() created");
    expect(message).toContain("bare typed array or tensor");
    expect(message).toContain("invalid[0] did not throw");
    expect(message).not.toContain("loss of a convex quadratic falls (float64):");
  });

  it("counts typed arrays created through constructors and slice/subarray/map/filter", () => {
    const a = new Float64Array(4);
    expect(countTypedArrayAllocations(() => undefined)).toBe(0);
    expect(
      countTypedArrayAllocations(() => {
        new Float32Array(3);
        a.slice(1);
        a.subarray(1);
      }),
    ).toBe(3);
    expect(new Float32Array(2)).toBeInstanceOf(Float32Array);
  });
});
