import { describe, expect, it } from "vitest";
import { mergeConfig, parseTrainConfig } from "./config.js";

describe("training configuration", () => {
  it("fills in the default recipe", () => {
    const config = parseTrainConfig({}, "test");
    expect(config).toMatchObject({
      dataset: "digits",
      hidden: [256, 128],
      optimizer: "adam",
      learningRate: 2e-3,
      schedule: "cosine",
      labelSmoothing: 0.1,
      standardizeTargets: true,
    });
    // Unless given, epochs and batch size are planned for the training set (training-plan.ts).
    expect([config.epochs, config.batchSize]).toEqual([undefined, undefined]);
  });

  it("names the setting, the expected and the actual value", () => {
    expect(() => parseTrainConfig({ epochs: 0 }, "run.json")).toThrow(
      '"epochs" must be an integer ≥ 1, got 0',
    );
    expect(() => parseTrainConfig({ dataset: "cifar" }, "run.json")).toThrow(
      /"dataset" must be one of digits, .* or csv:<path>, got "cifar"/,
    );
    expect(() => parseTrainConfig({ hidden: [64, -1] }, "run.json")).toThrow(
      '"hidden.1" must be an integer ≥ 1, got -1',
    );
    expect(() => parseTrainConfig({ epoch: 3 }, "run.json")).toThrow('run.json: unknown setting "epoch"');
    expect(() => parseTrainConfig({ learningRate: -1 }, "x", () => "--lr")).toThrow(
      "--lr must be a positive number, got -1",
    );
  });

  it("later layers win and undefined values are ignored", () => {
    expect(mergeConfig({ epochs: 3, seed: 1 }, { epochs: 5, seed: undefined })).toEqual({
      epochs: 5,
      seed: 1,
    });
  });
});
