/*
 * `backprop train --profile`: where the training's time went, from timing every backend primitive
 * and the checkpoints; the rows add up to the training's wall time, and the counts are the calls a
 * step makes.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTrainConfig } from "../src/config.js";
import { runTraining } from "../src/run.js";
import { hasCheckpoint, RUN_FILES } from "../src/run-dir.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-profile-");

describe("train --profile", () => {
  it("times the primitives and checkpoints of the training, which add up to its wall time", async () => {
    // 240 spiral points: 168 train in batches of 24 = 7 steps an epoch, 3 epochs, a 2-16-16-3 MLP;
    // 24 validation points, one batch after each epoch.
    const config = parseTrainConfig(
      {
        dataset: "spiral",
        samples: 240,
        hidden: [16, 16],
        epochs: 3,
        batchSize: 24,
        backend: "js",
        outDir: temp.path,
        name: "timed",
      },
      "test",
    );
    const result = await runTraining(config, { profile: true });
    const rows = result.profile!.rows;
    const calls = (label: string) => rows.find((r) => r.label.startsWith(label))?.calls ?? 0;
    const steps = 3 * 7;
    // Per step: 3 forward products, 3 weight gradients, 2 δ products; validation forwards on top.
    expect(calls("gemm")).toBeGreaterThanOrEqual(8 * steps);
    expect(calls("batch gather")).toBe(steps + 3);
    expect(calls("checkpoints")).toBe(3);
    expect(rows.every((r) => r.seconds >= 0)).toBe(true);
    const total = rows.reduce((sum, r) => sum + r.seconds, 0);
    const history = result.history.reduce((sum, e) => sum + (e.time ?? 0), 0);
    expect(total).toBeGreaterThanOrEqual(history);
    expect(total).toBeLessThan(result.seconds);
    const saved = JSON.parse(await readFile(join(result.runDir, RUN_FILES.results), "utf8"));
    expect(saved.profile.rows).toEqual(rows);
    // The js backend has no worker threads: nothing to say of them.
    expect(result.profile!.workers).toBeUndefined();
    expect(result.profile!.table).not.toContain("worker thread");
  });

  it("on the wasm backend's two threads, says how long the worker ran kernels and how long it had no work", async () => {
    // Batches of 128 through 256-wide layers: products large enough to be split between the threads.
    const config = parseTrainConfig(
      {
        dataset: "spiral",
        samples: 1000,
        hidden: [256, 256],
        epochs: 2,
        batchSize: 128,
        backend: "wasm",
        threads: 2,
        outDir: temp.path,
        name: "threaded",
      },
      "test",
    );
    const result = await runTraining(config, { profile: true });
    expect(result.threads).toBe(2);
    const { rows, workers, table } = result.profile!;
    const training = rows.reduce((sum, r) => sum + r.seconds, 0);
    expect(workers!.busySeconds).toHaveLength(1);
    const [busy, idle] = [workers!.busySeconds[0]!, workers!.idleSeconds[0]!];
    expect(busy).toBeGreaterThan(0);
    expect(busy + idle).toBeCloseTo(training, 9);
    const inKernelCalls = rows
      .filter((r) => /^(gemm|elementwise|reductions|batch gather)/.test(r.label))
      .reduce((sum, r) => sum + r.seconds, 0);
    // The worker runs kernels only while the calling thread is inside one of their calls.
    expect(busy).toBeLessThanOrEqual(inKernelCalls);
    expect(workers!.callerWaitingSeconds).toBeGreaterThanOrEqual(0);
    expect(workers!.callerWaitingSeconds).toBeLessThanOrEqual(inKernelCalls);
    expect(table).toMatch(
      /\n {2}worker thread 1: running kernels \d+\.\d{3} s \(\d+\.\d%\), idle \d+\.\d{3} s/,
    );
    expect(table).toMatch(/\n {2}the calling thread waited \d+\.\d{3} s \(\d+\.\d%\) for workers/);
    const saved = JSON.parse(await readFile(join(result.runDir, RUN_FILES.results), "utf8"));
    expect(saved.profile.workers).toEqual(workers);
  });

  it("keeps every hook of the checkpoint callback: an interrupted run still writes its checkpoint", async () => {
    // Checkpoints every 5 epochs: a pause after epoch 1 is saved only by the interruption hook.
    const config = parseTrainConfig(
      {
        dataset: "spiral",
        samples: 240,
        hidden: [8],
        epochs: 3,
        batchSize: 24,
        checkpointEvery: 5,
        backend: "js",
        outDir: temp.path,
        name: "paused",
      },
      "test",
    );
    const paused = await runTraining(config, { profile: true, stopAfterEpoch: 1 });
    expect(paused.status).toBe("interrupted");
    expect(hasCheckpoint(paused.runDir)).toBe(true);
    const resumed = await runTraining(undefined, { resume: paused.runDir, profile: true });
    expect(resumed.status).toBe("completed");
  });

  it("prints the table after the run's summary", async () => {
    const { code, stdout } = await runCliInProcess(
      ...["train", "--dataset", "xor", "--epochs", "2", "--batch-size", "32", "--backend", "js"],
      ...["--quiet", "--profile", "--out-dir", temp.path, "--name", "printed"],
    );
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    const start = lines.findIndex((l) => l.startsWith("profile of 2 epochs of training ("));
    expect(start).toBeGreaterThan(lines.findIndex((l) => l.startsWith("time:")));
    expect(lines[start + 1]).toBe("  seconds   share  calls      where");
    const shares = lines
      .slice(start + 2)
      .filter((l) => /^ +\d/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[1]!.replace("%", "")));
    expect(shares.length).toBeGreaterThanOrEqual(5);
    expect(Math.abs(shares.reduce((a, b) => a + b, 0) - 100)).toBeLessThan(1);
  });
});
