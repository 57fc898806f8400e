import { describe, expect, it } from "vitest";
import { parseTrainConfig } from "./config.js";
import { plannedBatchSize, planTraining } from "./training-plan.js";

describe("planTraining: epochs from a step budget, a batch size the training set warrants", () => {
  it("batch size: the largest power of two giving ≥ 8 batches an epoch, within [4, 128]", () => {
    expect([10, 105, 354, 1000, 7001, 54_000].map(plannedBatchSize)).toEqual([4, 8, 32, 64, 128, 128]);
  });

  it("epochs = ⌈800 / batches per epoch⌉ within [15, 1000], said in the note", () => {
    const config = parseTrainConfig({}, "test");
    // iris: 105 samples / 8 = 14 batches → ⌈800 / 14⌉ = 58 epochs.
    const iris = planTraining(config, 105);
    expect([iris.config.epochs, iris.config.batchSize]).toEqual([58, 8]);
    expect(iris.note).toBe(
      "chose 58 epochs and batch size 8 for 105 training samples (812 steps; the budget is 800); --epochs / --batch-size override",
    );
    // The digits recipe: 7,001 samples / 128 = 55 batches → 15 epochs, as before.
    expect(planTraining(config, 7001).config.epochs).toBe(15);
    expect(planTraining(config, 54_000).config.epochs).toBe(15);
    expect(planTraining(config, 4).config.epochs).toBe(800);
    expect(planTraining({ ...config, batchSize: 1 }, 10).config.epochs).toBe(80);
  });

  it("given values are kept, and nothing is said when both are given", () => {
    const config = parseTrainConfig({ epochs: 3, batchSize: 16 }, "test");
    expect(planTraining(config, 105)).toEqual({ config: { ...config, epochs: 3, batchSize: 16 } });
    expect(planTraining({ ...config, batchSize: undefined }, 105).note).toMatch(
      /^chose batch size 8 for 105/,
    );
  });
});
