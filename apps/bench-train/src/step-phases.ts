/**
 * Where one training step's time goes, phase by phase, on the wasm backend the CLI uses (relaxed
 * SIMD): zeroGrad, forward, loss, backward, the update without the divergence guard (`step`) and
 * with it (`checkedStep`), for the speed issue's network at batch 32 and 128, on 2 threads and 1.
 * The two updates alternate step by step, so the guard's cost is their difference in one run. The
 * steps train on Fashion-MNIST's shuffled batches: on one random batch over and over the net fits
 * it, its gradients die out, and far more of Adam's m decays into the subnormals than in a real run
 * (up to a quarter of the state), where division runs 3× slower (`adam-subnormals.ts`).
 * Between the steps (a round every GEMM_EVERY), the same backend runs the step's matrix products
 * alone, each repeated on the same operands (so they stay in cache), as the layers call them: what
 * forward + backward would take if they were nothing but gemm at its in-cache rate, and so how much
 * of them is not.
 *
 *   node --conditions=@backprop/source --import tsx src/step-phases.ts [--steps N]
 */
import { machineLine } from "@backprop/bench-kit";
import { BatchIterator, type ClassificationDataset, datasetOnBackend } from "@backprop/data";
import { loadFashionMnist } from "@backprop/data/node";
import { accumulateParameterGradients, mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { adam, Optimizer } from "@backprop/optimizers";
import { type Backend, matmul, Rng, randomUniform, type Tensor } from "@backprop/tensor";
import { createWasmBackend } from "@backprop/tensor-wasm";
import { enableRelaxedSimd } from "@backprop/trainer";
import { integerFlag, PROTOCOL } from "./common.js";
import { median } from "./interleave.js";

/** The network, 784-256-128-10. */
const SIZES = PROTOCOL.layers;
const PHASES = ["zeroGrad", "forward", "loss", "backward", "step", "checkedStep"] as const;
type Phase = (typeof PHASES)[number];
/** Calls of one product in a timed round of `StepGemms`, and timed steps between two rounds. */
const GEMM_CALLS = 50;
const GEMM_EVERY = 100;

/**
 * One step's matrix products at batch `batch`, each alone and in cache: per Dense layer (in → out)
 * a = z·Wᵀ, ∂E/∂W = δᵀ·z and, past the first layer, δ·W, with the layers' transposes and output
 * buffers, on operands of their own. `round()` times each GEMM_CALLS times over; `micros()` is the
 * sum of each product's median µs per call over the rounds.
 */
class StepGemms {
  private readonly products: (() => Tensor)[] = [];
  private readonly rounds: number[][];

  constructor(backend: Backend, batch: number) {
    const rng = new Rng(1);
    const uniform = (shape: number[]) => randomUniform(shape, rng, { low: -1, high: 1, backend });
    for (let layer = 0; layer + 1 < SIZES.length; layer++) {
      const [inputs, outputs] = [SIZES[layer]!, SIZES[layer + 1]!];
      const [z, w, delta] = [uniform([batch, inputs]), uniform([outputs, inputs]), uniform([batch, outputs])];
      const [a, grad, dx] = [uniform([batch, outputs]), uniform([outputs, inputs]), uniform([batch, inputs])];
      this.products.push(() => matmul(z, w, { transposeB: true, out: a }));
      this.products.push(() => matmul(delta, z, { transposeA: true, beta: 0, out: grad }));
      if (layer > 0) this.products.push(() => matmul(delta, w, { out: dx }));
    }
    this.rounds = this.products.map(() => []);
  }

  round(): void {
    this.products.forEach((product, p) => {
      const start = performance.now();
      for (let call = 0; call < GEMM_CALLS; call++) product();
      this.rounds[p]!.push((1000 * (performance.now() - start)) / GEMM_CALLS);
    });
  }

  micros(): number {
    return this.rounds.reduce((sum, times) => sum + median(times), 0);
  }
}

/**
 * Mean µs per step of each phase on `train`'s batches, after `steps / 5` untimed steps, and the
 * step's gemms alone (`StepGemms`), a round every GEMM_EVERY steps so that both see the machine's
 * state over the whole run; the step after a round (its caches cold) is not timed.
 */
async function phases(
  train: ClassificationDataset,
  batch: number,
  threads: number,
  steps: number,
): Promise<Record<Phase, number> & { gemmsAlone: number }> {
  const backend = await createWasmBackend({ relaxed: true, threads });
  try {
    const model = mlp({ sizes: SIZES, activation: "relu", backend, seed: 0 });
    const optimizer = new Optimizer(adam({ lr: 1e-3 }), model.parameters());
    const loss = new CrossEntropyLoss();
    const batches = new BatchIterator(datasetOnBackend(train, backend), { batchSize: batch });
    const gemms = new StepGemms(backend, batch);
    const total = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
    const timed = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
    const warmup = Math.ceil(steps / 5);
    for (let s = 0; s < warmup + steps; s++) {
      const afterRound = s > warmup && (s - warmup) % GEMM_EVERY === 1;
      const timing = s >= warmup && !afterRound;
      const { features, targets } = batches.next() ?? batches.next()!;
      let at = performance.now();
      const lap = (phase: Phase) => {
        const now = performance.now();
        if (timing) {
          total[phase] += now - at;
          timed[phase]++;
        }
        at = now;
      };
      optimizer.zeroGrad();
      lap("zeroGrad");
      const y = model.forward(features);
      lap("forward");
      loss.forward(y, targets);
      lap("loss");
      accumulateParameterGradients(model, loss.backward());
      lap("backward");
      if (s % 2 === 0) {
        optimizer.step();
        lap("step");
      } else {
        optimizer.checkedStep();
        lap("checkedStep");
      }
      if (s >= warmup && (s - warmup) % GEMM_EVERY === 0) gemms.round();
    }
    const times = Object.fromEntries(PHASES.map((p) => [p, (1000 * total[p]) / timed[p]])) as Record<
      Phase,
      number
    >;
    return { ...times, gemmsAlone: gemms.micros() };
  } finally {
    await backend.close();
  }
}

async function main(): Promise<void> {
  // At least 4: the step after a gemm round is not timed, and both updates need a timed step.
  const steps = integerFlag("--steps", 4000, 4);
  if (!enableRelaxedSimd()) throw new Error("step-phases: this runtime has no relaxed SIMD");
  console.log(`${machineLine()} ${steps} timed steps per row.\n`);
  console.log(
    `| ${SIZES.join("-")}, wasm relaxed SIMD | ${PHASES.join(" | ")} | step with the guard, total | the step's gemms alone, in cache | forward + backward − gemms alone |`,
  );
  console.log(`|---|${PHASES.map(() => "---|").join("")}---|---|---|`);
  const train = loadFashionMnist({ split: "train" });
  for (const batch of [32, 128]) {
    for (const threads of [2, 1]) {
      const t = await phases(train, batch, threads, steps);
      const guarded = t.zeroGrad + t.forward + t.loss + t.backward + t.checkedStep;
      const cells = PHASES.map((p) => t[p].toFixed(1)).join(" | ");
      const outsideGemm = t.forward + t.backward - t.gemmsAlone;
      console.log(
        `| batch ${batch}, ${threads} thread${threads > 1 ? "s" : ""} (µs) | ${cells} | ${guarded.toFixed(1)} | ${t.gemmsAlone.toFixed(1)} | ${outsideGemm.toFixed(1)} |`,
      );
    }
  }
}

await main();
