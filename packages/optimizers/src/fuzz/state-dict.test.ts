/*
 * Fuzzing Optimizer.loadStateDict: real state dicts of every built-in optimizer (float32 and float64
 * parameters, with a schedule and clipping in the chain) are mutated structurally (replaced, deleted
 * and added keys, "__proto__" / "constructor" / "prototype" among them, resized lists, forged numbers)
 * and loaded into a fresh optimizer. Only OptimizerErrors may come out; a refused load leaves the
 * optimizer exactly as it was (it verifies before writing anything); prototypes stay untouched; a
 * load that succeeds can step. `FUZZ_RUNS=10000 vitest run src/fuzz` for the long run.
 */
import { type Parameter, parameter, Rng } from "@backprop/tensor";
import {
  expectPrototypesUnchanged,
  fuzzParameters,
  mutateJson,
  onBackend,
  projectBackend,
  prototypeSnapshot,
} from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  adagrad,
  adam,
  adamw,
  chain,
  clipByGlobalNorm,
  cosineAnnealingLr,
  type GradientTransformation,
  lion,
  nadam,
  Optimizer,
  OptimizerError,
  type OptimizerStateDict,
  reduceLrOnPlateau,
  rmsprop,
  sgd,
} from "../index.js";

const { seed, numRuns } = fuzzParameters();
const { fromArray } = onBackend(await projectBackend());

/** Two parameters, one float32 and one float64, with gradients. */
function params(): Parameter[] {
  const ps = [
    parameter("0.weight", fromArray([0.5, -1, 2, 0.25, 3, -2], [2, 3], { dtype: "float32" })),
    parameter("0.bias", fromArray([0.1, -0.1], [2], { dtype: "float64" })),
  ];
  ps.forEach((p, i) => {
    p.grad.write(Array.from({ length: p.grad.size }, (_, j) => Math.sin(1 + 3 * i + j)));
  });
  return ps;
}

const OPTIMIZERS: Record<string, () => GradientTransformation> = {
  sgd: () => sgd({ lr: 0.1, momentum: 0.9, nesterov: true }),
  adam: () => adam({ lr: cosineAnnealingLr({ lr: 0.01, tMax: 10 }), amsgrad: true }),
  adamw: () => adamw({ lr: reduceLrOnPlateau({ lr: 0.01 }) }),
  nadam: () => nadam({ lr: 0.01 }),
  rmsprop: () => rmsprop({ lr: 0.01, momentum: 0.5, centered: true }),
  adagrad: () => adagrad({ lr: 0.01 }),
  lion: () => lion({ lr: 0.001 }),
  clipped: () => chain(clipByGlobalNorm({ maxNorm: 1 }), adam({ lr: 0.01 })),
};
const NAMES = Object.keys(OPTIMIZERS);

/** A fresh optimizer of `name` after two steps, and its state dict as JSON text. */
function trained(name: string): { optimizer: Optimizer; text: string } {
  const optimizer = new Optimizer(OPTIMIZERS[name]!(), params());
  optimizer.step();
  optimizer.step();
  return { optimizer, text: JSON.stringify(optimizer.stateDict()) };
}

/*
 * Bugs this fuzzer found, fixed, and kept out by the assertions below: a TypeError from
 * loadStateDict on a missing "optimizer" key or a malformed "params" entry, and a schedule's state
 * validated only while writing (a bad one left the buffers before it overwritten).
 */

/** Loads forged JSON into a fresh optimizer: it is accepted (and can step) or refused with an OptimizerError, untouched. */
function loadForged(name: string, text: string): "loaded" | string {
  const fresh = new Optimizer(OPTIMIZERS[name]!(), params());
  const before = JSON.stringify(fresh.stateDict());
  const prototypes = prototypeSnapshot();
  try {
    fresh.loadStateDict(JSON.parse(text) as OptimizerStateDict);
    fresh.step();
    return "loaded";
  } catch (error) {
    if (!(error instanceof OptimizerError)) throw error;
    const after = JSON.stringify(fresh.stateDict());
    expect(after, "a refused load changed the optimizer").toBe(before);
    return error.name;
  } finally {
    expectPrototypesUnchanged(prototypes);
    expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
  }
}

describe("Optimizer.loadStateDict fuzz", () => {
  it("loads every optimizer's own state dict", () => {
    for (const name of NAMES) expect(loadForged(name, trained(name).text)).toBe("loaded");
  });

  /** Outcome counts of `numRuns` seeded cases. */
  function fuzz(): Map<string, number> {
    const rng = new Rng(seed);
    const texts = Object.fromEntries(NAMES.map((name) => [name, trained(name).text]));
    const outcomes = new Map<string, number>();
    for (let run = 0; run < numRuns; run++) {
      const name = NAMES[rng.int(NAMES.length)]!;
      const text = mutateJson(texts[name]!, rng);
      let outcome: string;
      try {
        outcome = loadForged(name, text);
      } catch (error) {
        throw new Error(`case ${run} (FUZZ_SEED=${seed}, ${name}) failed: ${String(error)}\n${text}`, {
          cause: error,
        });
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    console.log(`state-dict fuzz: ${numRuns} cases, ${JSON.stringify(Object.fromEntries(outcomes))}`);
    return outcomes;
  }

  it(`refuses ${numRuns} mutated state dicts with OptimizerErrors only, leaving the optimizer as it was`, () => {
    const outcomes = fuzz();
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(numRuns);
  }, 0);
});
