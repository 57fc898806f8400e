/**
 * The machine's ceiling for our gemm on a workload: two one-thread `child-ceiling.ts` processes
 * started at once, each running one training step's matrix products for `seconds`, their GFLOP/s
 * summed. Independent processes share nothing, so no split of one gemm over two threads can beat it;
 * "the epoch at the ceiling" is the epoch's gemm FLOPs at that rate.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gemmFlopPerSample, PROTOCOL } from "./common.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface Ceiling {
  /** GFLOP/s of each of the two processes. */
  pair: [number, number];
  total: number;
}

function oneProcess(batchSize: number, layers: readonly number[], seconds: number): Promise<number> {
  const config = JSON.stringify({ batchSize, layers, seconds, relaxed: true });
  const proc = spawn(process.execPath, [
    "--experimental-wasm-relaxed-simd",
    "--conditions=@backprop/source",
    "--import",
    "tsx",
    join(here, "child-ceiling.ts"),
    config,
  ]);
  let out = "";
  let err = "";
  proc.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  proc.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) =>
    proc.on("close", (code) =>
      code === 0 && Number.isFinite(Number(out))
        ? resolve(Number(out))
        : reject(new Error(`child-ceiling exited ${code}: ${err.slice(-2000)}`)),
    ),
  );
}

/** Two one-thread processes at once on the step's products of this batch size and net (relaxed SIMD, as the CLI). */
export async function measureCeiling(
  batchSize: number,
  layers: readonly number[],
  seconds = 3,
): Promise<Ceiling> {
  const pair = (await Promise.all([
    oneProcess(batchSize, layers, seconds),
    oneProcess(batchSize, layers, seconds),
  ])) as [number, number];
  return { pair, total: pair[0] + pair[1] };
}

/** Seconds a 60,000-sample epoch's matrix products take at `gflops`. */
export function epochAtCeiling(layers: readonly number[], gflops: number): number {
  return (PROTOCOL.trainSize * gemmFlopPerSample(layers)) / (gflops * 1e9);
}
