import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTrainConfig } from "../src/config.js";
import { runTraining } from "../src/run.js";
import { loadLatestCheckpoint, RUN_FILES } from "../src/run-dir.js";
import { RUN_LOCK_FILE } from "../src/run-lock.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-lock-");

describe("two trainers on one run directory", () => {
  const config = () =>
    parseTrainConfig(
      {
        dataset: "spiral",
        samples: 300,
        hidden: [16],
        epochs: 100_000,
        batchSize: 16,
        backend: "js",
        outDir: temp.path,
        name: "shared",
      },
      "test",
    );

  it("the second is refused (resume or --force), and the first is not disturbed", async () => {
    const run = join(temp.path, "shared");
    const controller = new AbortController();
    const first = runTraining(config(), { signal: controller.signal });
    for (let i = 0; i < 600 && !existsSync(join(run, RUN_FILES.checkpoints, "latest.json")); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(run, RUN_LOCK_FILE))).toBe(true);
    const lockedBy = new RegExp(
      `^the run directory .*shared is in use by another trainer \\(pid ${process.pid} on ${hostname()}, since `,
    );
    await expect(runTraining(undefined, { resume: run })).rejects.toThrow(lockedBy);
    await expect(runTraining(config(), { force: true })).rejects.toThrow(lockedBy);
    const cli = await runCliInProcess("train", "--resume", run, "-q");
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^error: the run directory .* is in use by another trainer/);
    controller.abort();
    const result = await first;
    expect(result.status).toBe("interrupted");
    expect(existsSync(join(run, RUN_LOCK_FILE))).toBe(false);
    // Its checkpoint is whole: the run continues from it.
    const checkpoint = await loadLatestCheckpoint(run);
    expect(checkpoint.state.step).toBeGreaterThan(0);
  }, 120_000);

  it("a stale lock (its process gone) is replaced, and the run goes on", async () => {
    const run = join(temp.path, "shared");
    const child = spawn(process.execPath, ["-e", ""]);
    const pid = child.pid!;
    await new Promise((r) => child.on("exit", r));
    await writeFile(
      join(run, RUN_LOCK_FILE),
      JSON.stringify({ pid, hostname: hostname(), started: "2020-01-01T00:00:00.000Z" }),
    );
    const messages: string[] = [];
    const result = await runTraining(undefined, {
      resume: run,
      stopAfterEpoch: 0,
      log: (m) => messages.push(m),
    });
    expect(result.status).toBe("interrupted");
    expect(messages).toContain(`removed a stale lock ${join(run, RUN_LOCK_FILE)} (pid ${pid} is gone)`);
    expect(existsSync(join(run, RUN_LOCK_FILE))).toBe(false);
  }, 120_000);
});
