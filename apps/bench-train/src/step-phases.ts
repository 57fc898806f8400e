/**
 * Where one training step's time goes, phase by phase, on the wasm backend the CLI uses (relaxed
 * SIMD): zeroGrad, forward, loss, backward, the update without the divergence guard (`step`) and
 * with it (`checkedStep`), for the speed issue's network at batch 32 and 128, on 2 threads and 1.
 * The two updates alternate step by step, so the guard's cost is their difference in one run. The
 * steps train on Fashion-MNIST's shuffled batches: on one random batch over and over the net fits
 * it, its gradients die out, and far more of Adam's m decays into the subnormals than in a real run
 * (up to a quarter of the state), where division runs 3× slower (`adam-subnormals.ts`).
 *
 *   node --conditions=@backprop/source --import tsx src/step-phases.ts [--steps N]
 */
import { machineLine } from "@backprop/bench-kit";
import { BatchIterator, type ClassificationDataset, datasetOnBackend } from "@backprop/data";
import { loadFashionMnist } from "@backprop/data/node";
import { accumulateParameterGradients, mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { adam, Optimizer } from "@backprop/optimizers";
import { createWasmBackend } from "@backprop/tensor-wasm";
import { enableRelaxedSimd } from "@backprop/trainer";

const SIZES = [784, 256, 128, 10];
const PHASES = ["zeroGrad", "forward", "loss", "backward", "step", "checkedStep"] as const;
type Phase = (typeof PHASES)[number];

/** Mean µs per step of each phase over `steps` steps on `train`'s batches, after `steps / 5` untimed ones. */
async function phases(
  train: ClassificationDataset,
  batch: number,
  threads: number,
  steps: number,
): Promise<Record<Phase, number>> {
  const backend = await createWasmBackend({ relaxed: true, threads });
  try {
    const model = mlp({ sizes: SIZES, activation: "relu", backend, seed: 0 });
    const optimizer = new Optimizer(adam({ lr: 1e-3 }), model.parameters());
    const loss = new CrossEntropyLoss();
    const batches = new BatchIterator(datasetOnBackend(train, backend), { batchSize: batch });
    const total = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
    const warmup = Math.ceil(steps / 5);
    for (let s = 0; s < warmup + steps; s++) {
      const { features, targets } = batches.next() ?? batches.next()!;
      let at = performance.now();
      const lap = (phase: Phase) => {
        const now = performance.now();
        if (s >= warmup) total[phase] += now - at;
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
    }
    const perStep = (phase: Phase) => (1000 * total[phase]) / (phase.endsWith("tep") ? steps / 2 : steps);
    return Object.fromEntries(PHASES.map((p) => [p, perStep(p)])) as Record<Phase, number>;
  } finally {
    await backend.close();
  }
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--steps");
  const steps = at === -1 ? 4000 : Number(process.argv[at + 1]);
  if (!Number.isInteger(steps) || steps < 2) throw new Error(`--steps must be an integer ≥ 2, got ${steps}`);
  if (!enableRelaxedSimd()) throw new Error("step-phases: this runtime has no relaxed SIMD");
  console.log(`${machineLine()} ${steps} timed steps per row.\n`);
  console.log(
    `| ${SIZES.join("-")}, wasm relaxed SIMD | ${PHASES.join(" | ")} | step with the guard, total |`,
  );
  console.log(`|---|${PHASES.map(() => "---|").join("")}---|`);
  const train = loadFashionMnist({ split: "train" });
  for (const batch of [32, 128]) {
    for (const threads of [2, 1]) {
      const t = await phases(train, batch, threads, steps);
      const guarded = t.zeroGrad + t.forward + t.loss + t.backward + t.checkedStep;
      const cells = PHASES.map((p) => t[p].toFixed(1)).join(" | ");
      console.log(
        `| batch ${batch}, ${threads} thread${threads > 1 ? "s" : ""} (µs) | ${cells} | ${guarded.toFixed(1)} |`,
      );
    }
  }
}

await main();
