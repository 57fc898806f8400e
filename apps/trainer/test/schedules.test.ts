import { describe, expect, it } from "vitest";
import type { RunResult } from "../src/run.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-schedules-");

async function train(name: string, ...flags: string[]): Promise<RunResult> {
  const { code, stdout, stderr } = await runCliInProcess(
    ...["train", "--dataset", "spiral", "--samples", "300", "--hidden", "8", "--batch-size", "32"],
    ...["--backend", "js", "--lr", "0.01", "--out-dir", temp.path, "--name", name, "--json", "-q", ...flags],
  );
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as RunResult;
}

describe("learning-rate schedules from the CLI", () => {
  it("--warmup-epochs: η_t = η·(t + 1)/W for W warmup steps, then cosine over the rest", async () => {
    const { history } = await train(
      "warmup",
      "--warmup-epochs",
      "2",
      "--epochs",
      "6",
      "--schedule",
      "cosine",
    );
    const perEpoch = history[0]!.step;
    const warmupSteps = 2 * perEpoch;
    // lr is logged after each epoch's steps: t = steps taken.
    expect(history[0]!.lr).toBeCloseTo((0.01 * (perEpoch + 1)) / warmupSteps, 12);
    expect(history[1]!.lr).toBeCloseTo(0.01, 12);
    expect(history[3]!.lr).toBeCloseTo(0.005 * (1 + Math.cos(Math.PI / 2)), 12);
    expect(history[5]!.lr).toBeCloseTo(0, 12);
  });

  it("--schedule one-cycle rises to --lr over the first 30% of the steps, then anneals far below it", async () => {
    const { history } = await train("one-cycle", "--schedule", "one-cycle", "--epochs", "10");
    const lrs = history.map((h) => h.lr!);
    const peak = lrs.indexOf(Math.max(...lrs));
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(peak).toBeLessThanOrEqual(3);
    expect(lrs[peak]).toBeGreaterThan(0.009);
    for (let i = 1; i <= peak; i++) expect(lrs[i]).toBeGreaterThan(lrs[i - 1]!);
    for (let i = peak + 1; i < lrs.length; i++) expect(lrs[i]).toBeLessThan(lrs[i - 1]!);
    expect(lrs.at(-1)).toBeLessThan(0.01 / 500);
  });

  it("warmup with a per-epoch schedule is refused as bad usage", async () => {
    const { code, stderr } = await runCliInProcess(
      ...["train", "--dataset", "xor", "--warmup-epochs", "1", "--schedule", "step", "--out-dir", temp.path],
    );
    expect(stderr).toMatch(
      /--warmup-epochs works with --schedule cosine or constant, not with --schedule step/,
    );
    expect(code).toBe(2);
  });
});
