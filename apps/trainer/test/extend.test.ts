import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_FILES } from "../src/run-dir.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-extend-");

const recipe = () => [
  ...["--dataset", "spiral", "--samples", "300", "--hidden", "16", "--batch-size", "16", "--lr", "0.01"],
  ...["--schedule", "constant", "--backend", "js", "--out-dir", temp.path, "-q"],
];
const weights = (run: string) => readFile(join(temp.path, run, RUN_FILES.model, "model.safetensors"));

describe("--resume --epochs N", () => {
  it("extends a finished run: 3 epochs then 2 more end bitwise as 5 straight (constant lr)", async () => {
    const straight = await runCliInProcess("train", ...recipe(), "--epochs", "5", "--name", "straight");
    expect(straight.code, straight.stderr).toBe(0);
    const short = await runCliInProcess("train", ...recipe(), "--epochs", "3", "--name", "extended");
    expect(short.code, short.stderr).toBe(0);
    const more = await runCliInProcess(
      "train",
      "--resume",
      join(temp.path, "extended"),
      "--epochs",
      "5",
      "--json",
      "-q",
    );
    expect(more.code, more.stderr).toBe(0);
    const result = JSON.parse(more.stdout) as { status: string; history: { epoch: number }[] };
    expect(result.status).toBe("completed");
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(Buffer.compare(await weights("extended"), await weights("straight"))).toBe(0);
    const saved = JSON.parse(await readFile(join(temp.path, "extended", RUN_FILES.config), "utf8")) as {
      config: { epochs: number };
    };
    expect(saved.config.epochs).toBe(5);
  });

  it("refuses fewer epochs than the run has, and any other setting", async () => {
    const fewer = await runCliInProcess("train", "--resume", join(temp.path, "extended"), "--epochs", "4");
    expect(fewer.code).toBe(2);
    expect(fewer.stderr).toMatch(/--epochs 4 does not extend .*extended, which trains 5 epochs/);
    const other = await runCliInProcess(
      "train",
      "--resume",
      join(temp.path, "extended"),
      "--epochs",
      "9",
      "--lr",
      "1",
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/drop --lr/);
  });
});
