// Optimizer.step() time on the WebAssembly backend, float32, for the parameters of a 784-256-128-10
// MLP (weights and biases: 235,146 numbers): Adam against AdaBelief (the optimizer added as a contributor
// would, in one file, with nothing in tensor or tensor-wasm), with AdamW, momentum SGD and a clipped Adam
// beside them to show that any transformation or chain runs on the backend's one-pass path. The
// candidates take turns round-robin (each on its own parameters), so they see the same machine state;
// wall-clock cells are median / best over the rounds, in ms per step. On a shared, loaded VM the wall
// clock mostly measures the other processes, so each step's CPU time (process.cpuUsage: this process,
// all its threads) is recorded too, and the ratio to Adam is taken on the CPU-time medians.
import { interleave, machineLine, withForeignLoad } from "@backprop/bench-kit";
import { type Backend, fromArray, type Parameter, parameter, Rng, randomNormal } from "@backprop/tensor";
import { createWasmBackend } from "@backprop/tensor-wasm";
import {
  adabelief,
  adam,
  adamw,
  chain,
  clipByGlobalNorm,
  type GradientTransformation,
  Optimizer,
  sgd,
} from "../src/index.js";

const SHAPES: readonly (readonly number[])[] = [[784, 256], [256], [256, 128], [128], [128, 10], [10]];
const ROUNDS = 25;

/** The MLP's parameters on `backend`, with fixed N(0, 1) gradients (the same for every candidate). */
function mlpParameters(backend: Backend): Parameter[] {
  const rng = new Rng(1);
  return SHAPES.map((shape, i) => {
    const value = randomNormal(shape, rng, { std: 0.05 });
    const grad = randomNormal(shape, rng);
    return parameter(
      `${i}`,
      fromArray(value.read(), shape, { backend }),
      fromArray(grad.read(), shape, { backend }),
    );
  });
}

const candidates: [string, () => GradientTransformation][] = [
  ["adam", () => adam({ lr: 1e-3 })],
  ["adabelief", () => adabelief({ lr: 1e-3 })],
  ["adamw", () => adamw({ lr: 1e-3 })],
  ["sgd momentum 0.9", () => sgd({ lr: 0.01, momentum: 0.9 })],
  ["chain(clipByGlobalNorm, adam)", () => chain(clipByGlobalNorm({ maxNorm: 1 }), adam({ lr: 1e-3 }))],
];

for (const threads of [1, 2]) {
  const backend = await createWasmBackend({ relaxed: false, threads });
  const cpuMs = candidates.map((): number[] => []);
  const runs = candidates.map(([name, create], i) => {
    const optimizer = new Optimizer(create(), mlpParameters(backend));
    return {
      name,
      run: () => {
        const before = process.cpuUsage();
        optimizer.step();
        const used = process.cpuUsage(before);
        cpuMs[i]!.push((used.user + used.system) / 1000);
      },
    };
  });
  const { result: timings, foreignCores } = withForeignLoad(() =>
    interleave(runs, { rounds: ROUNDS, minSampleMs: 30, warmup: 20 }),
  );
  const cpuMedians = cpuMs.map((xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!);
  console.log(`\n${machineLine()}`);
  console.log(
    `${backend.name}, ${backend.threads} thread(s), float32, ${ROUNDS} interleaved rounds, foreign load ${foreignCores?.toFixed(2) ?? "n/a"} cores`,
  );
  console.log("| optimizer | wall ms per step (median / best) | CPU ms per step (median) | CPU vs adam |");
  console.log("|---|---|---|---|");
  timings.forEach((t, i) => {
    const cpu = cpuMedians[i]!;
    console.log(
      `| ${t.name} | ${t.median.toFixed(3)} / ${t.best.toFixed(3)} | ${cpu.toFixed(3)} | ${(cpu / cpuMedians[0]!).toFixed(2)}× |`,
    );
  });
  await backend.close();
}
