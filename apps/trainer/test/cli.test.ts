import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBackprop as backprop, runCliInProcess as inProcess, useTempDir } from "./test-kit.js";

const SMALL = [
  "--dataset",
  "xor",
  "--samples",
  "300",
  "--hidden",
  "12",
  "--activation",
  "tanh",
  "--lr",
  "0.03",
  "--batch-size",
  "16",
];

const temp = useTempDir("backprop-cli-");

describe("backprop CLI (end to end)", () => {
  let train: { runDir: string; test: Record<string, number>; status: string };

  it("train writes a complete run directory and prints JSON with --json", async () => {
    const run = await backprop(temp.path, "train", ...SMALL, "--epochs", "40", "--name", "xor", "--json");
    expect(run.stderr).toMatch(/epoch 40\/40 {2}smoothed_loss/);
    expect(run.code).toBe(0);
    train = JSON.parse(run.stdout);
    expect(train.status).toBe("completed");
    expect(train.test.accuracy).toBeGreaterThan(0.9);
    for (const file of [
      "config.json",
      "metrics.jsonl",
      "metrics.csv",
      "results.json",
      "report.html",
      "checkpoints/latest.json",
    ]) {
      expect(existsSync(join(train.runDir, file)), file).toBe(true);
    }
    for (const file of ["model.json", "model.safetensors", "preprocessing.json"])
      expect(existsSync(join(train.runDir, "model", file))).toBe(true);
    const report = await readFile(join(train.runDir, "report.html"), "utf8");
    expect(report).toContain("uPlot");
    expect(report).toContain("Confusion matrix");
  }, 60_000);

  it("refuses to overwrite a run directory, with one line on stderr and exit code 1", async () => {
    const run = await inProcess(
      "train",
      ...SMALL,
      "--epochs",
      "1",
      "--out-dir",
      join(temp.path, "runs"),
      "--name",
      "xor",
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: run directory .*xor already exists and is not empty; pass --force/);
  });

  it("eval reproduces the test metrics of training, and predict applies the saved scaling", async () => {
    const evaluated = await inProcess("eval", join(temp.path, "runs/xor"), "--json");
    expect(evaluated.code).toBe(0);
    const result = JSON.parse(evaluated.stdout);
    expect(result.metrics).toMatchObject(train.test);
    // Macro precision / recall / F1 and, with two classes, ROC AUC; per class in the text output.
    expect(Object.keys(result.metrics)).toEqual(["loss", "accuracy", "precision", "recall", "f1", "auc"]);
    expect(result.metrics.auc).toBeGreaterThan(0.9);
    expect(result.classes.map((c: { name: string; support: number }) => c.name)).toEqual(["0", "1"]);
    const text = await inProcess("eval", join(temp.path, "runs/xor"));
    const lines = text.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^test \(60 samples\): loss [\d.]+ {2}accuracy [\d.]+ {2}precision [\d.]+ {2}recall [\d.]+ {2}f1 [\d.]+ {2}auc [\d.]+$/,
    );
    expect(lines[1]).toBe("class  precision  recall  f1      support");
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(["0", "1"]);
    expect(lines.slice(2).reduce((n, l) => n + Number(l.split(/\s+/)[4]), 0)).toBe(60);
    await writeFile(join(temp.path, "points.csv"), "x,y\n0.6,0.7\n-0.6,0.7\n0.8,-0.5\n-0.9,-0.4\n");
    const predicted = await backprop(
      temp.path,
      "predict",
      "runs/xor",
      "--input",
      "points.csv",
      "--output",
      "predictions.csv",
    );
    expect(predicted.code).toBe(0);
    const rows = (await readFile(join(temp.path, "predictions.csv"), "utf8")).trim().split("\n");
    expect(rows[0]).toBe("prediction,p_0,p_1");
    expect(rows.slice(1).map((r) => r.split(",")[0])).toEqual(["0", "1", "1", "0"]);
  }, 60_000);

  it("a run paused and resumed ends with bitwise the same model as an uninterrupted one", async () => {
    const runs = join(temp.path, "runs");
    const full = await inProcess(
      "train",
      ...SMALL,
      "--epochs",
      "4",
      "--out-dir",
      runs,
      "--name",
      "full",
      "--quiet",
    );
    expect(full.code).toBe(0);
    const paused = await inProcess(
      "train",
      ...SMALL,
      "--epochs",
      "4",
      "--out-dir",
      runs,
      "--name",
      "paused",
      "--stop-after-epoch",
      "2",
      "--quiet",
    );
    expect(paused.code).toBe(0);
    expect(paused.stderr).toMatch(/paused after epoch 2.*backprop train --resume/);
    const refused = await inProcess("train", "--resume", join(runs, "paused"), "--lr", "0.1");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /--resume continues a run with the settings in its config\.json; drop --lr/,
    );
    const resumed = await inProcess("train", "--resume", join(runs, "paused"), "--quiet");
    expect(resumed.code).toBe(0);
    const weights = (name: string) => readFile(join(temp.path, "runs", name, "model", "model.safetensors"));
    expect(Buffer.compare(await weights("paused"), await weights("full"))).toBe(0);
  }, 60_000);

  it("usage errors exit with 2, missing files with 1, both without a stack trace", async () => {
    const usage = await inProcess("train", "--epochs", "many");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/argument 'many' is invalid\. expected a non-negative integer/);
    const missing = await inProcess("eval", join(temp.path, "nowhere"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*nowhere is neither a model directory/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const badConfig = await inProcess("train", "--lr", "0");
    expect(badConfig.stderr).toBe("error: --lr must be a positive number, got 0\n");
  });

  it("every command has --help", async () => {
    for (const command of ["train", "eval", "predict", "summary", "gradcheck"]) {
      const help = await inProcess(command, "--help");
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: backprop ${command}`));
    }
  });

  it("summary and gradcheck describe and check the configured network", async () => {
    const summary = await inProcess("summary", "--hidden", "256,128", "--json");
    expect(JSON.parse(summary.stdout)).toMatchObject({ model: "784-256-128-10 relu", parameters: 235_146 });
    const check = await inProcess(
      "gradcheck",
      "--dataset",
      "spiral",
      "--hidden",
      "8,8",
      "--activation",
      "tanh",
      "--json",
    );
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, model: "2-8-8-3 tanh" });
  });
});
