import { execFile } from "node:child_process";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadLatestCheckpoint, RUN_FILES } from "../src/run-dir.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-disk-");

/** Mounts a tmpfs of `size` at `path` (needs root); false where that is not possible. */
async function mountTmpfs(path: string, size: string): Promise<boolean> {
  await mkdir(path, { recursive: true });
  try {
    await promisify(execFile)("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", path]);
    return true;
  } catch {
    return false;
  }
}

describe("a full disk during a checkpoint", () => {
  it("keeps the previous checkpoint intact and readable, says so, exits 1", async (context) => {
    const disk = join(temp.path, "disk");
    // 700 KiB: the first checkpoint (~500 KB: 165 KB of weights, 330 KB of Adam state) fits, the second does not.
    if (!(await mountTmpfs(disk, "700k"))) {
      if (process.env.CI === "true") throw new Error("cannot mount a tmpfs (CI runs as root: it must work)");
      context.skip();
    }
    try {
      const { code, stderr } = await runCliInProcess(
        ...["train", "--dataset", "spiral", "--hidden", "200,200", "--epochs", "3", "--batch-size", "64"],
        ...["--backend", "js", "--out-dir", disk, "--name", "full", "-q"],
      );
      const run = join(disk, "full");
      expect(stderr).toMatch(
        /^error: cannot write the checkpoint epoch-0002 into .*: .*no space left on device.*; the previous checkpoint epoch-0001 is intact \(continue with --resume .*full\)\n$/,
      );
      expect(code).toBe(1);
      const files = await readdir(join(run, RUN_FILES.checkpoints));
      expect(files.sort()).toEqual([
        "epoch-0001.json",
        "epoch-0001.optimizer.safetensors",
        "epoch-0001.safetensors",
        "latest.json",
      ]);
      const checkpoint = await loadLatestCheckpoint(run);
      expect(checkpoint.state.epoch).toBe(1);
      expect(checkpoint.optimizerTensors.size).toBe(12); // m and v of 6 parameters
    } finally {
      await promisify(execFile)("umount", [disk]);
    }
  }, 120_000);
});
