/**
 * Memory soak: trains the default recipe on the built-in digits for many epochs (50 by default) with
 * the run's callbacks (progress off, metrics logs and a checkpoint every epoch, as `backprop train`
 * writes them) and records RSS and V8 heap after every epoch (after a full GC when node runs with
 * --expose-gc), then reports the growth between epoch 5 and the last. Flat memory is the goal:
 * training allocates nothing per step in the steady state.
 *
 *   pnpm --filter @backprop/trainer soak [-- --epochs 50 --backend wasm --limit 2000]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Callback } from "../src/callback.js";
import { parseTrainConfig } from "../src/config.js";
import { runTraining } from "../src/run.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"), // `pnpm soak -- …` passes the "--" on
  options: {
    epochs: { type: "string", default: "50" },
    backend: { type: "string", default: "auto" },
    limit: { type: "string" },
  },
});
const epochs = Number(values.epochs);
const outDir = await mkdtemp(join(tmpdir(), "backprop-soak-"));
const config = parseTrainConfig(
  {
    epochs,
    backend: values.backend,
    outDir,
    name: "soak",
    ...(values.limit === undefined ? {} : { limit: Number(values.limit) }),
  },
  "memory-soak",
);

const gc = (globalThis as { gc?: () => void }).gc;
const MiB = 1024 * 1024;
const samples: { epoch: number; rss: number; heap: number; external: number }[] = [];
const recorder: Callback = {
  onEpochEnd(logs) {
    gc?.();
    const { rss, heapUsed, external } = process.memoryUsage();
    samples.push({ epoch: logs.epoch, rss: rss / MiB, heap: heapUsed / MiB, external: external / MiB });
    const s = samples.at(-1)!;
    process.stderr.write(
      `epoch ${String(s.epoch).padStart(3)}  rss ${s.rss.toFixed(1)} MiB  heap ${s.heap.toFixed(1)} MiB  external ${s.external.toFixed(1)} MiB  loss ${logs.loss?.toFixed(4)}\n`,
    );
  },
};

try {
  const result = await runTraining(config, { callbacks: [recorder] });
  const at = (epoch: number) => samples.find((s) => s.epoch === epoch)!;
  const first = at(Math.min(5, epochs));
  const last = samples.at(-1)!;
  const growth = (key: "rss" | "heap" | "external") =>
    `${first[key].toFixed(1)} → ${last[key].toFixed(1)} MiB (${(last[key] - first[key] >= 0 ? "+" : "") + (last[key] - first[key]).toFixed(1)})`;
  console.log(
    [
      `memory soak: ${last.epoch} epochs on ${result.backend}, ${result.data}${gc === undefined ? " (no --expose-gc: numbers include garbage)" : ""}`,
      `  RSS       epoch ${first.epoch} → ${last.epoch}: ${growth("rss")}`,
      `  heap      epoch ${first.epoch} → ${last.epoch}: ${growth("heap")}`,
      `  external  epoch ${first.epoch} → ${last.epoch}: ${growth("external")}`,
      `  test: ${JSON.stringify(result.test)}`,
    ].join("\n"),
  );
} finally {
  await rm(outDir, { recursive: true, force: true });
}
