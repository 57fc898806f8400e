/**
 * Subnormal float32 values and the Adam update, on the wasm backend the CLI uses (relaxed SIMD).
 * 1. µs of one elementwise pass over 235,146 elements (the base net's parameter count), 1 thread,
 *    interleaved: each op on normal operands, on subnormal ones, and with one lane in ten subnormal.
 * 2. Fashion-MNIST at batch 32 on 2 threads (Trainer-free: forward, loss, backward, `step`): every
 *    `--every` steps, the share of Adam's state (m and v) that is subnormal and `step`'s mean µs; then
 *    the last step repeated on that state, and on it with its subnormals set to 0.
 * 3. The same on Fashion-MNIST's first batch over and over (`step-phases.ts` once repeated one
 *    random batch): the net fits it and its gradients die out.
 * Where a gradient stays zero (a unit that no longer fires), m ← β1·m decays through the subnormals.
 *
 *   node --conditions=@backprop/source --import tsx src/adam-subnormals.ts [--steps N] [--every K]
 */
import { interleave, machineLine } from "@backprop/bench-kit";
import { BatchIterator, type ClassificationDataset, datasetOnBackend } from "@backprop/data";
import { loadFashionMnist } from "@backprop/data/node";
import { accumulateParameterGradients, mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { adam, Optimizer } from "@backprop/optimizers";
import { type Expr, evaluate, fromArray, lazy, type Tensor } from "@backprop/tensor";
import { createWasmBackend, type WasmBackend } from "@backprop/tensor-wasm";
import { enableRelaxedSimd } from "@backprop/trainer";
import { integerFlag, PROTOCOL } from "./common.js";

/** The network, 784-256-128-10, and its parameter count Σ (n_l + 1)·n_(l+1) = 235,146. */
const SIZES = PROTOCOL.layers;
const ELEMENTS = SIZES.slice(1).reduce((count, outputs, l) => count + (SIZES[l]! + 1) * outputs, 0);
/** The smallest normal float32, 2^−126. */
const FLOAT32_MIN_NORMAL = 2 ** -126;

/** Part 1: each op's pass on normal operands, subnormal ones, and one in ten subnormal. */
function opTable(backend: WasmBackend): void {
  const filled = (value: (i: number) => number) =>
    fromArray(
      Float32Array.from({ length: ELEMENTS }, (_, i) => value(i)),
      [ELEMENTS],
      { backend },
    );
  const operands = {
    normal: filled((i) => 1e-3 * (1 + (i % 7))),
    subnormal: filled((i) => 1e-40 * (1 + (i % 7))),
    "one in ten subnormal": filled((i) => (i % 10 === 0 ? 1e-40 : 1e-3 * (1 + (i % 7)))),
  };
  const other = filled((i) => 1 + (i % 5));
  const out = filled(() => 0);
  const ops: [string, (x: Tensor) => Expr][] = [
    ["x · 0.9", (x) => lazy(x).mul(0.9)],
    ["x + y", (x) => lazy(x).add(lazy(other))],
    ["x ÷ y", (x) => lazy(x).div(lazy(other))],
    ["y ÷ x", (x) => lazy(other).div(lazy(x))],
    ["√x", (x) => lazy(x).sqrt()],
  ];
  const candidates = ops.flatMap(([op, expr]) =>
    Object.entries(operands).map(([kind, x]) => ({
      name: `${op}|${kind}`,
      run: () => evaluate({ shape: ELEMENTS, assign: [[out, expr(x)]] }),
    })),
  );
  const timings = interleave(candidates, { rounds: 9, minSampleMs: 20, warmup: 20 });
  const kinds = Object.keys(operands);
  console.log(
    `| one pass over ${ELEMENTS.toLocaleString("en-US")} float32, 1 thread (µs, median) | ${kinds.join(" | ")} |`,
  );
  console.log(`|---|${kinds.map(() => "---|").join("")}`);
  for (const [op] of ops) {
    const cells = kinds.map((kind) =>
      (1000 * timings.find((t) => t.name === `${op}|${kind}`)!.median).toFixed(0),
    );
    console.log(`| ${op} | ${cells.join(" | ")} |`);
  }
}

/** 0 < |x| < 2^−126. */
function isSubnormal(x: number): boolean {
  return x !== 0 && Math.abs(x) < FLOAT32_MIN_NORMAL;
}

/** The share of the optimizer's saved float tensors (Adam's m and v) that is subnormal. */
function subnormalShare(optimizer: Optimizer): number {
  let subnormal = 0;
  let total = 0;
  for (const saved of optimizer.saveState().tensors.values()) {
    const data = saved.data as ArrayLike<number>;
    total += data.length;
    for (let i = 0; i < data.length; i++) if (isSubnormal(data[i]!)) subnormal++;
  }
  return subnormal / total;
}

/** Sets the subnormal elements of the optimizer's state to 0 (for the reference timing only). */
function flushSubnormals(optimizer: Optimizer): void {
  const saved = optimizer.saveState();
  for (const tensor of saved.tensors.values()) {
    const data = tensor.data as Float32Array;
    for (let i = 0; i < data.length; i++) if (isSubnormal(data[i]!)) data[i] = 0;
  }
  optimizer.loadState(saved.dict, saved.tensors);
}

/**
 * Parts 2 and 3: Fashion-MNIST's `train` at batch 32, its shuffled batches or (`oneBatch`) its first
 * batch over and over; the subnormal share of Adam's state and `step`'s time.
 */
async function training(
  fashionMnist: ClassificationDataset,
  steps: number,
  every: number,
  oneBatch: boolean,
): Promise<void> {
  const backend = await createWasmBackend({ relaxed: true, threads: 2 });
  try {
    const train = datasetOnBackend(fashionMnist, backend);
    const model = mlp({ sizes: SIZES, activation: "relu", backend, seed: 0 });
    const optimizer = new Optimizer(adam({ lr: 1e-3 }), model.parameters());
    const loss = new CrossEntropyLoss();
    const batches = new BatchIterator(train, { batchSize: 32, rng: 0 });
    const data = oneBatch ? "its first batch over and over" : "shuffled batches";
    console.log(
      `\n| Fashion-MNIST (${data}), ${SIZES.join("-")}, batch 32, 2 threads: steps | Adam state subnormal | step (µs a step, mean) |`,
    );
    console.log("|---|---|---|");
    /** The last step repeated on the state as it is; the weights and the state are put back after. */
    const hot = (label: string) => {
      const saved = optimizer.saveState();
      const weights = model.parameters().map((p) => p.value.clone());
      const [timing] = interleave([{ name: label, run: () => optimizer.step() }], {
        rounds: 5,
        minSampleMs: 50,
      });
      optimizer.loadState(saved.dict, saved.tensors);
      model.parameters().forEach((p, i) => {
        p.value.write(weights[i]!.read());
      });
      console.log(`| the last batch's step repeated, ${label} | | ${(1000 * timing!.median).toFixed(0)} |`);
    };
    let stepMs = 0;
    const first = batches.next()!;
    for (let s = 1; s <= steps; s++) {
      const batch = s === 1 || oneBatch ? first : (batches.next() ?? batches.next()!);
      optimizer.zeroGrad();
      loss.forward(model.forward(batch.features), batch.targets);
      accumulateParameterGradients(model, loss.backward());
      const at = performance.now();
      optimizer.step();
      stepMs += performance.now() - at;
      if (s === 1) hot("after the first step");
      if (s % every === 0) {
        const share = (100 * subnormalShare(optimizer)).toFixed(1);
        console.log(`| ${s - every + 1}–${s} | ${share} % | ${((1000 * stepMs) / every).toFixed(0)} |`);
        stepMs = 0;
      }
    }
    hot("Adam's state as trained");
    flushSubnormals(optimizer);
    hot("its subnormals set to 0");
  } finally {
    await backend.close();
  }
}

async function main(): Promise<void> {
  const steps = integerFlag("--steps", 3750, 1);
  const every = integerFlag("--every", 375, 1);
  if (!enableRelaxedSimd()) throw new Error("adam-subnormals: this runtime has no relaxed SIMD");
  console.log(`${machineLine()}\n`);
  const backend = await createWasmBackend({ relaxed: true, threads: 1 });
  try {
    opTable(backend);
  } finally {
    await backend.close();
  }
  const train = loadFashionMnist({ split: "train" });
  await training(train, steps, every, false);
  await training(train, steps, every, true);
}

await main();
