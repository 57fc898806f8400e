import type { TrainConfig } from "./config.js";

/** Optimizer steps a run aims at when --epochs is not given: the digits recipe's 15 epochs of 55 batches is ~800. */
export const STEP_BUDGET = 800;
/** Fewest epochs of a planned run (large datasets reach the budget in fewer: they still get 15 passes). */
export const MIN_EPOCHS = 15;
/** Most epochs of a planned run (a tiny table would otherwise get thousands). */
export const MAX_EPOCHS = 1000;
/** Largest planned batch size (the digits recipe's), and the smallest. */
export const MAX_BATCH_SIZE = 128;
export const MIN_BATCH_SIZE = 4;

/** A config whose epochs and batch size are numbers (given, or planned for the training set). */
export type PlannedConfig = TrainConfig & { epochs: number; batchSize: number };

/**
 * The batch size for `samples` training samples when none is given: the largest power of two that
 * gives at least 8 batches an epoch, between 4 and 128 (iris' 108 samples: 8; the digits: 128).
 */
export function plannedBatchSize(samples: number): number {
  const eighth = Math.max(1, Math.floor(samples / 8));
  return Math.min(MAX_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, 2 ** Math.floor(Math.log2(eighth))));
}

/**
 * Fills in what was not given: the batch size (`plannedBatchSize`) and the epochs, from the step
 * budget, epochs = ⌈STEP_BUDGET / batches per epoch⌉ within [MIN_EPOCHS, MAX_EPOCHS]. `note` says what
 * was chosen (undefined when both were given).
 */
export function planTraining(config: TrainConfig, samples: number): { config: PlannedConfig; note?: string } {
  const batchSize = config.batchSize ?? plannedBatchSize(samples);
  const batchesPerEpoch = Math.ceil(samples / batchSize);
  const epochs =
    config.epochs ?? Math.min(MAX_EPOCHS, Math.max(MIN_EPOCHS, Math.ceil(STEP_BUDGET / batchesPerEpoch)));
  const planned = { ...config, epochs, batchSize };
  const chosen = [
    ...(config.epochs === undefined ? [`${epochs} epochs`] : []),
    ...(config.batchSize === undefined ? [`batch size ${batchSize}`] : []),
  ];
  if (chosen.length === 0) return { config: planned };
  const steps = (epochs * batchesPerEpoch).toLocaleString("en-US");
  return {
    config: planned,
    note: `chose ${chosen.join(" and ")} for ${samples.toLocaleString("en-US")} training samples (${steps} steps; the budget is ${STEP_BUDGET}); --epochs / --batch-size override`,
  };
}
