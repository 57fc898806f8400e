/*
 * Validation at the public entry points: every bad hyperparameter, label, feature count or dtype is
 * a clear error naming the value and what was expected (CLI flags, Trainer methods, and the package
 * APIs the trainer composes).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BatchIterator, DataError, xor } from "@backprop/data";
import { LayerError, mlp } from "@backprop/layers";
import { CrossEntropyLoss, LossError } from "@backprop/losses";
import { adam, HyperparameterError, Optimizer, sgd } from "@backprop/optimizers";
import { fromArray } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { TrainerError } from "../src/errors.js";
import { Trainer } from "../src/trainer.js";
import { runCliInProcess as cli, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-validation-");

function trainer() {
  const model = mlp({ sizes: [2, 4, 2], activation: "tanh", seed: 1 });
  return new Trainer({
    model,
    loss: new CrossEntropyLoss(),
    optimizer: new Optimizer(adam({ lr: 0.01 }), model.parameters()),
  });
}

describe("backprop train: hyperparameters out of range", () => {
  it.each([
    [["--lr", "0"], "--lr must be a positive number, got 0"],
    [["--lr", "-0.1"], "--lr must be a positive number, got -0.1"],
    [["--epochs", "0"], "--epochs must be an integer ≥ 1, got 0"],
    [["--batch-size", "0"], "--batch-size must be an integer ≥ 1, got 0"],
    [["--momentum", "1"], "--momentum must be a fraction in [0, 1), got 1"],
    [["--dropout", "1"], "--dropout must be a fraction in [0, 1), got 1"],
    [["--label-smoothing", "-0.1"], "--label-smoothing must be a fraction in [0, 1), got -0.1"],
    [["--validation-split", "1"], "--validation-split must be a fraction in [0, 1), got 1"],
    [["--weight-decay", "-1"], "--weight-decay must be a number ≥ 0, got -1"],
    [["--gamma", "2"], "--gamma must be a factor in (0, 1], got 2"],
    [["--clip-norm", "0"], "--clip-norm must be a positive number, got 0"],
    [["--limit", "0"], "--limit must be an integer ≥ 1, got 0"],
    [["--checkpoint-every", "0"], "--checkpoint-every must be an integer ≥ 1, got 0"],
    [["--threads", "0"], "--threads must be an integer ≥ 1, got 0"],
  ])("%j: %s", async (flags, message) => {
    const result = await cli("train", "--dataset", "xor", "--out-dir", temp.path, ...flags);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: ${message}\n`);
  });

  it("the same checks apply to a config file, naming the file and the setting", async () => {
    const file = join(temp.path, "recipe.json");
    await writeFile(file, JSON.stringify({ dataset: "xor", learningRate: 0, epochs: 3 }));
    const result = await cli("train", "--config", file, "--out-dir", temp.path);
    expect(result.stderr).toBe(`error: ${file}: "learningRate" must be a positive number, got 0\n`);
    await writeFile(file, JSON.stringify({ dataset: "xor", threads: "all" }));
    const threads = await cli("train", "--config", file, "--out-dir", temp.path);
    expect(threads.stderr).toBe(`error: ${file}: "threads" must be "auto" or an integer ≥ 1, got "all"\n`);
  });
});

describe("Trainer: bad arguments", () => {
  const data = xor({ samples: 16, rng: 1 });

  it.each([
    [{ epochs: 0, batchSize: 4 }, "fit: epochs must be a positive integer, got 0"],
    [{ epochs: 1.5, batchSize: 4 }, "fit: epochs must be a positive integer, got 1.5"],
    [{ epochs: 1, batchSize: 0 }, "fit: batchSize must be a positive integer, got 0"],
  ])("fit(%j) → %s", async (options, message) => {
    await expect(trainer().fit(data, options)).rejects.toThrow(new TrainerError(message));
  });

  it("evaluate and predict refuse a batch size that is not a positive integer (predict used to loop forever on 0)", () => {
    expect(() => trainer().evaluate(data, { batchSize: 0 })).toThrow(
      new TrainerError("evaluate: batchSize must be a positive integer, got 0"),
    );
    expect(() => trainer().predict(data.features, { batchSize: 0 })).toThrow(
      new TrainerError("predict: batchSize must be a positive integer, got 0"),
    );
    expect(() => trainer().predict(data.features, { batchSize: -2 })).toThrow(/got -2/);
  });

  it("labels out of range name the label, its row and the class count", async () => {
    const bad = xor({ samples: 16, rng: 1 });
    bad.targets[3] = 7;
    const error = await trainer()
      .fit(bad, { epochs: 1, batchSize: 16, shuffle: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LossError);
    expect((error as Error).message).toBe(
      "CrossEntropyLoss: label 7 at index 3 is out of range [0, 2) for 2 classes",
    );
  });

  it("a feature count that does not match the model at predict time names both", () => {
    expect(() => trainer().predict(fromArray(new Float32Array(9), [3, 3]))).toThrow(
      new LayerError("Dense(2→4).forward: expected input [batch, 2], got [3,3]"),
    );
    expect(() => trainer().predict(fromArray(new Float32Array(6), [6]))).toThrow(
      new TrainerError("predict: features must be [n, d], got rank 1"),
    );
  });

  it("mismatched dtypes name both", async () => {
    const float64 = xor({ samples: 16, rng: 1, dtype: "float64" });
    expect(() => trainer().predict(float64.features)).toThrow(
      new LayerError("Dense(2→4).forward: input is float64, the weights are float32"),
    );
    await expect(trainer().fit(float64, { epochs: 1, batchSize: 4 })).rejects.toThrow(
      "input is float64, the weights are float32",
    );
  });
});

describe("backprop predict: inputs that do not fit the model", () => {
  it("a CSV with the wrong columns names what the model needs", async () => {
    const trained = await cli(
      "train",
      "--dataset",
      "xor",
      "--samples",
      "80",
      "--hidden",
      "4",
      "--epochs",
      "1",
      "--backend",
      "js",
      "--out-dir",
      temp.path,
      "--name",
      "xor",
      "--quiet",
    );
    expect(trained.code).toBe(0);
    const input = join(temp.path, "wide.csv");
    await writeFile(input, "a,b,c\n1,2,3\n");
    const result = await cli("predict", join(temp.path, "xor"), "--input", input);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ${input}: the model's features are x, y; the header has a, b, c (missing: x, y; not features: a, b, c)\n`,
    );
    await writeFile(input, "x,y\n1,oops\n");
    expect((await cli("predict", join(temp.path, "xor"), "--input", input)).stderr).toBe(
      `error: ${input}, line 2, column "y": expected a number, got "oops"\n`,
    );
  });
});

describe("package entry points the trainer composes", () => {
  it("optimizers: learning rate ≤ 0 and betas outside [0, 1) are HyperparameterErrors naming the value", () => {
    expect(() => sgd({ lr: 0 })).toThrow(HyperparameterError);
    expect(() => sgd({ lr: 0 })).toThrow(/sgd: lr must be .*, got 0/);
    expect(() => adam({ lr: -1 })).toThrow(/adam: lr must be .*, got -1/);
    expect(() => adam({ betas: [1, 0.999] })).toThrow(/betas\[0\] must be in \[0, 1\), got 1/);
    expect(() => adam({ betas: [0.9, -0.1] })).toThrow(/betas\[1\] must be in \[0, 1\), got -0.1/);
  });

  it("data: a batch size of 0 is a DataError naming it", () => {
    expect(() => new BatchIterator(xor({ samples: 8 }), { batchSize: 0 })).toThrow(
      new DataError("BatchIterator", "batchSize must be a positive integer, got 0"),
    );
  });
});
