/*
 * Divergence in the CLI: a diverging `backprop train` stops by default with exit code 1 and one
 * sentence on stderr, keeps its last good checkpoint, and saves no final model.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLatestCheckpoint, RUN_FILES } from "../src/run-dir.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-divergence-cli-");

describe("divergence in the CLI", () => {
  it("the CLI stops a diverging run by default: exit 1, one sentence on stderr, the checkpoint kept", async () => {
    const { code, stderr } = await runCliInProcess(
      "train",
      "--dataset",
      "spiral",
      "--samples",
      "300",
      "--hidden",
      "16",
      "--epochs",
      "5",
      "--optimizer",
      "sgd",
      "--lr",
      "1e6",
      "--backend",
      "js",
      "--out-dir",
      temp.path,
      "--name",
      "cli",
      "--quiet",
    );
    expect(code).toBe(1);
    expect(stderr.trim().split("\n"), stderr).toHaveLength(1);
    expect(stderr).toMatch(
      /^error: training diverged at epoch \d+, step \d+: .+; (the last good checkpoint in .+ is kept|no checkpoint had been written yet) \(lower --lr or check the data\)\n$/,
    );
    const runDir = join(temp.path, "cli");
    const results = JSON.parse(await readFile(join(runDir, RUN_FILES.results), "utf8")) as { status: string };
    expect(results.status).toBe("failed");
    if (stderr.includes("is kept")) {
      const checkpoint = await loadLatestCheckpoint(runDir);
      for (const t of checkpoint.tensors.values()) expect(t.read().every(Number.isFinite)).toBe(true);
      for (const t of checkpoint.optimizerTensors.values()) expect(t.data.every(Number.isFinite)).toBe(true);
    }
  });

  it("a model that diverged is not saved as the run's final model", async () => {
    const files = await readdir(join(temp.path, "cli"));
    expect(files).not.toContain(RUN_FILES.model);
  });
});
