/*
 * Crash safety: real `backprop train` processes (the CLI through tsx) are killed with SIGKILL at
 * seeded random moments. After every kill the run directory holds a checkpoint that loads (size,
 * hash and structure verified), no older than the one before, or no pointer yet when the kill came
 * before the first checkpoint was complete; `--resume` then continues, and every run that reaches the end has bitwise the same
 * final weights as an uninterrupted run with the same seed.
 */
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { Rng } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { hasCheckpoint, loadLatestCheckpoint, RUN_FILES } from "../src/run-dir.js";
import { CLI_NODE_ARGS, useTempDir } from "./test-kit.js";

const KILLS = 20;

/** A tiny problem with many short epochs: a checkpoint every epoch, so kills land between and during them. */
const SETTINGS = [
  "--dataset",
  "spiral",
  "--samples",
  "300",
  "--hidden",
  "16,16",
  "--epochs",
  "250",
  "--batch-size",
  "8",
  "--lr",
  "0.01",
  "--seed",
  "7",
  "--backend",
  "js",
  "--quiet",
];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  seconds: number;
}

/** Starts the real CLI; kills it with SIGKILL after `killAfterMs` unless it has exited by then. */
function backprop(args: readonly string[], killAfterMs = Number.POSITIVE_INFINITY): Promise<Exit> {
  const started = performance.now();
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = Number.isFinite(killAfterMs)
    ? setTimeout(() => child.kill("SIGKILL"), killAfterMs)
    : undefined;
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

const temp = useTempDir("backprop-crash-");

/** A killed trainer leaves its lock behind; the next one replaces it and says so. */
const withoutStaleLockNotice = (stderr: string) =>
  stderr.replace(/^removed a stale lock .*\.lock \(pid \d+ is gone\)\n/, "");

const finalWeights = (runDir: string) => readFile(join(runDir, RUN_FILES.model, "model.safetensors"));

describe("crash safety", () => {
  it(`survives ${KILLS} SIGKILLs at random moments; resumed runs end bitwise equal to an uninterrupted one`, async () => {
    const reference = await backprop(["train", ...SETTINGS, "--out-dir", temp.path, "--name", "reference"]);
    expect(reference.stderr).toBe("");
    expect(reference.code).toBe(0);
    const expected = await finalWeights(join(temp.path, "reference"));
    const duration = reference.seconds * 1000;

    const runDir = join(temp.path, "killed");
    const rng = new Rng(2024);
    let kills = 0;
    let completed = 0;
    let withCheckpoint = 0;
    let lastEpoch = -1;
    while (kills < KILLS) {
      const fresh = !hasCheckpoint(runDir);
      const args = fresh
        ? ["train", ...SETTINGS, "--out-dir", temp.path, "--name", "killed", "--force"]
        : ["train", "--resume", runDir, "--quiet"];
      const exit = await backprop(args, rng.uniform() * duration);
      if (exit.signal === "SIGKILL") {
        kills++;
        if (hasCheckpoint(runDir)) {
          const { state } = await loadLatestCheckpoint(runDir);
          if (!fresh) expect(state.epoch, "a kill lost a checkpoint").toBeGreaterThanOrEqual(lastEpoch);
          lastEpoch = state.epoch;
          withCheckpoint++;
        } else {
          // No pointer yet: the kill came before the first checkpoint was complete (it may have left
          // checkpoints/ with a weights file and no latest.json). A resumed run never loses its pointer.
          expect(fresh, "a resumed run lost latest.json").toBe(true);
          lastEpoch = -1;
        }
        continue;
      }
      expect(withoutStaleLockNotice(exit.stderr), `${args.join(" ")} failed`).toBe("");
      expect(exit.code).toBe(0);
      expect(Buffer.compare(await finalWeights(runDir), expected), "final weights differ").toBe(0);
      completed++;
      await rm(runDir, { recursive: true, force: true });
      lastEpoch = -1;
    }
    // The last killed run, resumed (or started) without interruption, ends where the reference did.
    const last = hasCheckpoint(runDir)
      ? await backprop(["train", "--resume", runDir, "--quiet"])
      : await backprop(["train", ...SETTINGS, "--out-dir", temp.path, "--name", "killed", "--force"]);
    expect(withoutStaleLockNotice(last.stderr)).toBe("");
    expect(last.code).toBe(0);
    expect(Buffer.compare(await finalWeights(runDir), expected), "final weights differ").toBe(0);
    expect(kills).toBe(KILLS);
    // Most kills must land after the first checkpoint, or the test would show little.
    expect(withCheckpoint).toBeGreaterThanOrEqual(KILLS / 3);
    console.log(
      `crash test: ${kills} SIGKILLs (${withCheckpoint} after a checkpoint), ${completed + 1} runs completed bitwise equal; uninterrupted run ${reference.seconds.toFixed(1)}s`,
    );
  }, 900_000);
});
