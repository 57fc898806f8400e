/*
 * Results that are right or refused, never silently misleading: eval's loss is the true loss, a
 * smoothed training loss says so, predict reads columns by name, a CSV needs its header, every
 * preprocessing step (pixels / 255) is recorded and applied on predict, integer class labels are
 * recognised, and a run's CSV path is stored resolved.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { datasetSize } from "@backprop/data";
import { EXAMPLE_DATASETS_DIR } from "@backprop/data/node";
import { beforeAll, describe, expect, it } from "vitest";
import { createBackend } from "../src/backend.js";
import { buildLoss } from "../src/build.js";
import { type DataConfig, prepareData } from "../src/datasets.js";
import { loadTrainedModel } from "../src/model-io.js";
import { Trainer } from "../src/trainer.js";
import { runCliInProcess as cli, runBackprop, useTempDir } from "./test-kit.js";

const IRIS = join(EXAMPLE_DATASETS_DIR, "iris.csv");

const temp = useTempDir("backprop-honest-");

/** −(1/n) Σ log softmax(z)_label, in float64 with log-sum-exp: the cross-entropy, computed here. */
function crossEntropy(logits: ArrayLike<number>, labels: Int32Array, classes: number): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = Array.from({ length: classes }, (_, c) => logits[i * classes + c]!);
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
    sum += logSum - row[labels[i]!]!;
  }
  return sum / labels.length;
}

describe("eval reports the true loss; a smoothed training loss is labelled", () => {
  it("iris with the default label smoothing 0.1: eval's loss is the plain cross-entropy", async () => {
    const runDir = join(temp.path, "runs", "iris");
    const train = await cli(
      "train",
      ...["--dataset", `csv:${IRIS}`, "--target", "species", "--hidden", "8", "--epochs", "30"],
      ...[
        "--batch-size",
        "16",
        "--lr",
        "0.01",
        "--out-dir",
        join(temp.path, "runs"),
        "--name",
        "iris",
        "--json",
      ],
    );
    expect(train.code, train.stderr).toBe(0);
    // Epoch lines and the report name the smoothed loss as such.
    expect(train.stderr).toMatch(
      /epoch 30\/30 {2}smoothed_loss [\d.]+ {2}accuracy [\d.]+ {2}val_smoothed_loss/,
    );
    const report = await readFile(join(runDir, "report.html"), "utf8");
    expect(report).toContain('"smoothed_loss"');
    const evaluated = JSON.parse((await cli("eval", runDir, "--json")).stdout);

    const saved = JSON.parse(await readFile(join(runDir, "config.json"), "utf8"));
    const backend = await createBackend("js");
    const data = await prepareData(saved.config as DataConfig, backend);
    const trained = await loadTrainedModel(runDir, backend);
    const logits = new Trainer({ model: trained.model, loss: buildLoss(saved.config, "classification") })
      .predict(data.test!.features)
      .read();
    const labels = data.test!.targets as Int32Array;
    const expected = crossEntropy(logits, labels, 3);
    expect(evaluated.samples).toBe(datasetSize(data.test!));
    expect(evaluated.metrics.loss).toBeCloseTo(expected, 5);
    expect(JSON.parse(train.stdout).test.loss).toBeCloseTo(expected, 5);
  }, 60_000);
});

describe("predict reads columns by name and refuses a mismatch", () => {
  let runDir: string;
  beforeAll(async () => {
    const rows = Array.from({ length: 60 }, (_, i) => {
      const size = 50 + ((i * 37) % 100);
      const rooms = 1 + (i % 5);
      return `${size},${rooms},${(size * 3 + rooms * 20 + (i % 7)).toFixed(1)}`;
    });
    await writeFile(join(temp.path, "houses.csv"), `size,rooms,price\n${rows.join("\n")}\n`);
    const run = await cli(
      "train",
      ...["--dataset", `csv:${join(temp.path, "houses.csv")}`, "--target", "price", "--hidden", "4"],
      ...["--epochs", "2", "--out-dir", join(temp.path, "runs"), "--name", "houses", "--quiet"],
    );
    expect(run.code, run.stderr).toBe(0);
    runDir = join(temp.path, "runs", "houses");
  }, 60_000);

  it("a size,price file fed to a size,rooms model is refused, naming expected and actual columns", async () => {
    await writeFile(join(temp.path, "wrong.csv"), "size,price\n80,300\n");
    const run = await cli("predict", runDir, "--input", join(temp.path, "wrong.csv"));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: ${join(temp.path, "wrong.csv")}: the model's features are size, rooms; the header has size, price (missing: rooms; not features: price)\n`,
    );
  });

  it("columns in another order are matched by name; a file without a header is refused", async () => {
    await writeFile(join(temp.path, "swapped.csv"), "rooms,size\n3,80\n");
    await writeFile(join(temp.path, "ordered.csv"), "size,rooms\n80,3\n");
    const swapped = await cli("predict", runDir, "--input", join(temp.path, "swapped.csv"), "--json");
    const ordered = await cli("predict", runDir, "--input", join(temp.path, "ordered.csv"), "--json");
    expect(swapped.code).toBe(0);
    expect(JSON.parse(swapped.stdout)).toEqual(JSON.parse(ordered.stdout));
    await writeFile(join(temp.path, "bare.csv"), "80,3\n");
    const bare = await cli("predict", runDir, "--input", join(temp.path, "bare.csv"));
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain(
      "line 1 holds numbers, but it must be a header row naming the model's features: size, rooms",
    );
  });
});

describe("CSV training data", () => {
  it("a file without a header row is refused (its first row was silently taken as column names)", async () => {
    await writeFile(join(temp.path, "no-header.csv"), "5.1,3.5,0\n4.9,3.0,1\n6.2,2.9,1\n");
    const run = await cli("train", "--dataset", `csv:${join(temp.path, "no-header.csv")}`, "--target", "2");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "line 1: the first row holds only numbers (5.1,3.5,0), but it must be a header row",
    );
  });

  it("integer class labels (wine's 0/1/2) are classification, announced in the data line; --task overrides", async () => {
    const rows = Array.from(
      { length: 90 },
      (_, i) => `${12 + (i % 3) + (i % 10) / 20},${(i * 7) % 5},${i % 3}`,
    );
    await writeFile(join(temp.path, "wine.csv"), `alcohol,ash,class\n${rows.join("\n")}\n`);
    const common = ["--dataset", `csv:${join(temp.path, "wine.csv")}`, "--target", "class", "--hidden", "4"];
    const guessed = await cli(
      ...[
        "train",
        ...common,
        "--epochs",
        "1",
        "--out-dir",
        join(temp.path, "runs"),
        "--name",
        "wine",
        "--quiet",
      ],
    );
    expect(guessed.code, guessed.stderr).toBe(0);
    expect(guessed.stdout).toMatch(
      /data: {4}csv:.*wine\.csv: .*, 2 features, 3 classes \(classification, guessed from the target column; --task regression to change\)/,
    );
    const forced = await cli(
      "train",
      ...common,
      ...[
        "--task",
        "regression",
        "--epochs",
        "1",
        "--out-dir",
        join(temp.path, "runs"),
        "--name",
        "wine-regression",
      ],
      "--quiet",
    );
    expect(forced.stdout).toMatch(/2 features, 1 targets\n/);
  }, 60_000);

  it("a relative CSV path is stored resolved, so eval works from another directory", async () => {
    const project = await mkdtemp(join(temp.path, "project-"));
    await writeFile(
      join(project, "points.csv"),
      `a,b,y\n${Array.from({ length: 40 }, (_, i) => `${i % 7},${i % 3},${i % 2}`).join("\n")}\n`,
    );
    const train = await runBackprop(
      project,
      ...["train", "--dataset", "csv:points.csv", "--target", "y", "--epochs", "1", "--name", "rel"],
      ...["--quiet", "--backend", "js"],
    );
    expect(train.code, train.stderr).toBe(0);
    const saved = JSON.parse(await readFile(join(project, "runs", "rel", "config.json"), "utf8"));
    expect(saved.config.dataset).toBe(`csv:${join(project, "points.csv")}`);
    const evaluated = await cli("eval", join(project, "runs", "rel"), "--json");
    expect(evaluated.code, evaluated.stderr).toBe(0);
  }, 60_000);
});

describe("every preprocessing step is recorded and applied on predict", () => {
  it("digits: preprocessing.json records the /255 of the pixels; predict on raw 0–255 pixels applies it", async () => {
    const run = await cli(
      "train",
      ...["--limit", "300", "--epochs", "1", "--hidden", "8", "--backend", "js"],
      ...["--out-dir", join(temp.path, "runs"), "--name", "digits", "--quiet"],
    );
    expect(run.code, run.stderr).toBe(0);
    const modelDir = join(temp.path, "runs", "digits", "model");
    const preprocessing = JSON.parse(await readFile(join(modelDir, "preprocessing.json"), "utf8"));
    expect(preprocessing.divideBy).toBe(255);

    const backend = await createBackend("js");
    const { loadDigits } = await import("@backprop/data/mnist");
    const digits = loadDigits();
    const pixels = digits.features.read().subarray(0, 3 * 784);
    const raw = Array.from(pixels, (v) => Math.round(v * 255));
    const header = preprocessing.featureNames.join(",");
    const lines = [0, 1, 2].map((r) => raw.slice(r * 784, (r + 1) * 784).join(","));
    await writeFile(join(temp.path, "raw-digits.csv"), `${header}\n${lines.join("\n")}\n`);
    const predicted = JSON.parse(
      (await cli("predict", modelDir, "--input", join(temp.path, "raw-digits.csv"), "--json")).stdout,
    );

    const trained = await loadTrainedModel(modelDir, backend);
    const { fromArray } = await import("@backprop/tensor");
    const scaled = fromArray(
      Float32Array.from(raw, (v) => v / 255),
      [3, 784],
    );
    const logits = new Trainer({
      model: trained.model,
      loss: buildLoss({ loss: "auto", labelSmoothing: 0 }, "classification"),
    })
      .predict(scaled)
      .read();
    for (let r = 0; r < 3; r++) {
      const row = Array.from({ length: 10 }, (_, c) => logits[r * 10 + c]!);
      const best = row.indexOf(Math.max(...row));
      expect(predicted.predictions[r].prediction).toBe(String(best));
      const max = Math.max(...row);
      const total = row.reduce((s, z) => s + Math.exp(z - max), 0);
      expect(predicted.predictions[r][`p_${best}`]).toBeCloseTo(1 / total, 5);
    }
  }, 60_000);
});
