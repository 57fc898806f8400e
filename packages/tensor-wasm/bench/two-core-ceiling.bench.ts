// What two cores of this machine can give gemm at all, beside what two threads get: GFLOP/s of the
// wasm-simd gemm NN 128·784·256 (the first layer's forward) measured in child processes, in rounds of
//   - one process, one thread;
//   - one process, two threads (the backend's worker split);
//   - two one-thread processes at once (independent: no sharing, no synchronisation), summed.
// The third is the ceiling for the second: if two independent processes only reach 1.7× one alone,
// no split of one gemm can do better. Each child runs the product for SECONDS after a warm-up and
// prints its rate; a row per round, then the medians of the ratios.
//   pnpm --filter @backprop/tensor-wasm bench:two-cores
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { machineLine } from "@backprop/bench-kit";
import { fromArray, matmul, Rng, randomNormal } from "@backprop/tensor";
import { createWasmBackend } from "../src/index.js";

const ROUNDS = 5;
const SECONDS = 3;
const [M, K, N] = [128, 784, 256];

/** In a child: runs C = A·B on `threads` threads for SECONDS and prints GFLOP/s. */
async function child(threads: number): Promise<void> {
  const backend = await createWasmBackend({ relaxed: false, threads });
  const rng = new Rng(1);
  const a = fromArray(randomNormal([M, K], rng).data, [M, K], { backend });
  const b = fromArray(randomNormal([K, N], rng).data, [K, N], { backend });
  const c = matmul(a, b);
  for (let i = 0; i < 50; i++) matmul(a, b, { out: c });
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < SECONDS * 1000) {
    matmul(a, b, { out: c });
    calls++;
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${(2 * M * K * N * calls) / seconds / 1e9}\n`);
  process.exit(0);
}

/** Starts this script as a child on `threads` threads; resolves to its GFLOP/s. */
function measure(threads: number): Promise<number> {
  const script = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, [...process.execArgv, script, "--child", String(threads)]);
  let out = "";
  proc.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) =>
    proc.on("close", (code) =>
      code === 0 ? resolve(Number(out)) : reject(new Error(`child exited ${code}`)),
    ),
  );
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  await child(Number(process.argv[childAt + 1]));
} else {
  console.log(`gemm NN ${M}·${K}·${N} wasm-simd, GFLOP/s per round — ${machineLine()}\n`);
  console.log(
    "| round | one thread | two threads (one gemm split) | two one-thread processes at once | split ÷ one | split ÷ pair |",
  );
  console.log("|---|---|---|---|---|---|");
  const speedups: number[] = [];
  const efficiencies: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const alone = await measure(1);
    const split = await measure(2);
    const [first, second] = await Promise.all([measure(1), measure(1)]);
    speedups.push(split / alone);
    efficiencies.push(split / (first + second));
    console.log(
      `| ${round} | ${alone.toFixed(1)} | ${split.toFixed(1)} | ${first.toFixed(1)} + ${second.toFixed(1)} = ${(first + second).toFixed(1)} | ${speedups.at(-1)!.toFixed(2)}× | ${efficiencies.at(-1)!.toFixed(2)} |`,
    );
  }
  console.log(
    `\nMedians: two threads ${median(speedups).toFixed(2)}× one thread; ${median(efficiencies).toFixed(2)} of two independent processes.`,
  );
}
