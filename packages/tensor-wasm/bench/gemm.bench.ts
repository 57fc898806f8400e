// GFLOP/s of gemm, 2·M·K·N / seconds per call, for the shapes of a 784-256-128 MLP layer at batch 128:
// forward NN C = A·B (A M×K), and the backward products TN (Aᵀ·B, ∂E/∂W) and NT (A·Bᵀ, ∂E/∂z).
// The implementations take turns round-robin on each shape, so they see the same machine state (this
// VM's speed drifts ~2× over minutes); each cell prints median / best over the rounds. The ×2 columns
// run gemm on the calling thread plus one worker thread (blocks of columns of C shared out between them).
// The last column is @tensorflow/tfjs-backend-wasm's tf.matMul (XNNPACK; one thread in Node) on the
// same operands, with transposeA / transposeB as the layout says.
// Relaxed SIMD needs `--experimental-wasm-relaxed-simd` on Node 20: without it, the script re-runs
// itself in a child process with the flag, so all builds are still measured in one process.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { machineLine, withForeignLoad } from "@backprop/bench-kit";
import {
  type Backend,
  fromArray,
  jsBackend,
  matmul,
  Rng,
  randomUniform,
  type Tensor,
} from "@backprop/tensor";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { createWasmBackend, type WasmBackend, wasmRelaxedSimdSupported } from "../src/index.js";

const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";
if (!wasmRelaxedSimdSupported() && !process.execArgv.includes(RELAXED_FLAG)) {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, RELAXED_FLAG, script], {
    stdio: "inherit",
  });
  process.exit(child.status ?? 1);
}

const ROUNDS = 15;
const TFJS = "tfjs-backend-wasm 4.22 tf.matMul";
/** Target time of one sample; calls per sample are calibrated to it. */
const SAMPLE_MS = 25;

interface Impl {
  name: string;
  backend: Backend;
}

const impls: Impl[] = [{ name: "js", backend: jsBackend }];
const wasm: WasmBackend[] = [];
for (const relaxed of [false, true]) {
  if (relaxed && !wasmRelaxedSimdSupported()) continue;
  for (const threads of [1, 2]) {
    const backend = await createWasmBackend({ relaxed, threads });
    wasm.push(backend);
    impls.push({ name: threads === 1 ? backend.name : `${backend.name} ×${threads} threads`, backend });
  }
}

if (!(await tf.setBackend("wasm"))) throw new Error("tfjs-backend-wasm failed to initialise");

type Layout = "NN" | "TN" | "NT";
const cells: [Layout, number, number, number][] = [];
for (const [m, k, n] of [
  [128, 784, 256],
  [128, 256, 128],
]) {
  cells.push(["NN", m!, k!, n!], ["TN", k!, m!, n!], ["NT", m!, n!, k!]);
}

const rng = new Rng(42);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[] = [];

for (const [layout, m, k, n] of cells) {
  const transposeA = layout === "TN";
  const transposeB = layout === "NT";
  const a0 = randomUniform(transposeA ? [k, m] : [m, k], rng, { low: -1, high: 1 });
  const b0 = randomUniform(transposeB ? [n, k] : [k, n], rng, { low: -1, high: 1 });
  const runs = impls.map((impl) => {
    const a = fromArray(a0.data, a0.shape, { backend: impl.backend });
    const b = fromArray(b0.data, b0.shape, { backend: impl.backend });
    const out: Tensor = matmul(a, b, { transposeA, transposeB });
    const call = (): void => {
      matmul(a, b, { transposeA, transposeB, out });
    };
    const start = performance.now();
    call();
    const reps = Math.max(1, Math.round(SAMPLE_MS / Math.max(performance.now() - start, 1e-3)));
    return { name: impl.name, call, reps, seconds: [] as number[] };
  });
  const ta = tf.tensor(a0.data as Float32Array, [...a0.shape]);
  const tb = tf.tensor(b0.data as Float32Array, [...b0.shape]);
  const tfjsCall = () => {
    const c = tf.matMul(ta, tb, transposeA, transposeB);
    c.dataSync();
    c.dispose();
  };
  const tfjsStart = performance.now();
  tfjsCall();
  runs.push({
    name: TFJS,
    call: tfjsCall,
    reps: Math.max(1, Math.round(SAMPLE_MS / Math.max(performance.now() - tfjsStart, 1e-3))),
    seconds: [],
  });
  const { foreignCores } = withForeignLoad(() => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const run of runs) {
        const start = performance.now();
        for (let r = 0; r < run.reps; r++) run.call();
        run.seconds.push((performance.now() - start) / 1000 / run.reps);
      }
    }
  });
  ta.dispose();
  tb.dispose();
  const flop = 2 * m * k * n;
  const gflops = runs.map((run) => {
    const med = flop / median(run.seconds) / 1e9;
    const best = flop / Math.min(...run.seconds) / 1e9;
    return `${med.toFixed(2)} / ${best.toFixed(2)}`;
  });
  const load = foreignCores === null ? "n/a" : foreignCores.toFixed(2);
  rows.push(`| ${layout} ${m}·${k}·${n} | ${gflops.join(" | ")} | ${load} |`);
  console.error(`done ${layout} ${m}·${k}·${n}`);
}

const names = [...impls.map((i) => i.name), TFJS];
console.log(`gemm float32, GFLOP/s median / best of ${ROUNDS} interleaved rounds — ${machineLine()}\n`);
console.log(`| layout M·K·N | ${names.join(" | ")} | foreign load (cores) |`);
console.log(`|---|${names.map(() => "---").join("|")}|---|`);
for (const row of rows) console.log(row);
await Promise.all(wasm.map((backend) => backend.close()));
