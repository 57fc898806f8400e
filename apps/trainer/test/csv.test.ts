import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EXAMPLE_DATASETS_DIR } from "@backprop/data/node";
import { describe, expect, it } from "vitest";
import { runBackprop, useTempDir } from "./test-kit.js";

const IRIS = join(EXAMPLE_DATASETS_DIR, "iris.csv");
const STACKLOSS = join(EXAMPLE_DATASETS_DIR, "stackloss.csv");

const backprop = runBackprop;

const temp = useTempDir("backprop-csv-");

describe("CSV data sets end to end through the CLI (the example files shipped with @backprop/data)", () => {
  it("classification: Iris, string class labels, train then predict on a features-only CSV", async () => {
    const run = await backprop(
      temp.path,
      "train",
      "--dataset",
      `csv:${IRIS}`,
      "--target",
      "species",
      "--task",
      "classification",
      "--hidden",
      "16",
      "--epochs",
      "60",
      "--lr",
      "0.01",
      "--batch-size",
      "16",
      "--name",
      "iris",
      "--json",
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { runDir: string; test: { accuracy: number } };
    expect(result.test.accuracy).toBeGreaterThanOrEqual(0.85);

    // Three flowers, one of each species, taken from the data set; predict must name the class.
    const rows = (await readFile(IRIS, "utf8")).trim().split("\n");
    const header = rows[0]!.split(",").slice(0, 4).join(",");
    const pick = [rows[1]!, rows[51]!, rows[101]!];
    await writeFile(
      join(temp.path, "flowers.csv"),
      `${header}\n${pick.map((r) => r.split(",").slice(0, 4).join(",")).join("\n")}\n`,
    );
    const predict = await backprop(
      temp.path,
      "predict",
      result.runDir,
      "--input",
      "flowers.csv",
      "--output",
      "out.csv",
    );
    expect(predict.code, predict.stderr).toBe(0);
    const out = (await readFile(join(temp.path, "out.csv"), "utf8")).trim().split("\n");
    expect(out[0]).toMatch(/^prediction,p_/);
    expect(out.slice(1).map((r) => r.split(",")[0])).toEqual(pick.map((r) => r.split(",")[4]));
  }, 120_000);

  it("regression: stack loss with MSE, test error below the variance of the target", async () => {
    const run = await backprop(
      temp.path,
      "train",
      "--dataset",
      `csv:${STACKLOSS}`,
      "--target",
      "stack_loss",
      "--task",
      "regression",
      "--loss",
      "mse",
      "--hidden",
      "8",
      "--epochs",
      "200",
      "--lr",
      "0.01",
      "--batch-size",
      "4",
      "--name",
      "stackloss",
      "--json",
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      runDir: string;
      test: { mse: number };
      history: { r2: number }[];
    };
    const targets = (await readFile(STACKLOSS, "utf8"))
      .trim()
      .split("\n")
      .slice(1)
      .map((r) => Number(r.split(",")[3]));
    const mean = targets.reduce((s, t) => s + t, 0) / targets.length;
    const variance = targets.reduce((s, t) => s + (t - mean) ** 2, 0) / targets.length;
    expect(result.test.mse).toBeLessThan(variance);
    expect(result.history.at(-1)!.r2).toBeGreaterThan(0.8);

    await writeFile(join(temp.path, "plant.csv"), "air_flow,water_temp,acid_conc\n80,27,89\n50,18,89\n");
    const predict = await backprop(
      temp.path,
      "predict",
      result.runDir,
      "--input",
      "plant.csv",
      "--output",
      "loss.csv",
    );
    expect(predict.code, predict.stderr).toBe(0);
    const out = (await readFile(join(temp.path, "loss.csv"), "utf8")).trim().split("\n");
    expect(out).toHaveLength(3);
    const [high, low] = out.slice(1).map(Number);
    expect(high).toBeGreaterThan(low!); // more air flow and heat, more ammonia lost (rows 1 and 21: 42 vs 15)
  }, 120_000);
});
