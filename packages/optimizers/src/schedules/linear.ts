import { checkOptionKeys } from "../option-keys.js";
import { checkInteger, checkNonNegative, checkPositive } from "../validate.js";
import { type StepSchedule, stepSchedule } from "./schedule.js";

/** Options of `linearLr`: η, the start and end factors and the steps between them. */
export interface LinearLrOptions {
  lr: number;
  /** 1/3 by default, like PyTorch. */
  startFactor?: number;
  /** 1 by default. */
  endFactor?: number;
  /** 5 by default, like PyTorch. */
  totalIters?: number;
}

/**
 * Linear warmup (or decay), torch.optim.lr_scheduler.LinearLR:
 * η_t = η·(s + (e − s)·min(t, T) / T) for start factor s, end factor e, T = totalIters.
 */
export function linearLr(options: LinearLrOptions): StepSchedule {
  const op = "linearLr";
  checkOptionKeys(op, options, ["lr", "startFactor", "endFactor", "totalIters"]);
  const lr = checkPositive(op, "lr", options.lr);
  const startFactor = checkPositive(op, "startFactor", options.startFactor ?? 1 / 3);
  const endFactor = checkNonNegative(op, "endFactor", options.endFactor ?? 1);
  const totalIters = checkInteger(op, "totalIters", options.totalIters ?? 5, 1);
  return stepSchedule(
    { type: op, options: { lr, startFactor, endFactor, totalIters } },
    (t) => lr * (startFactor + ((endFactor - startFactor) * Math.min(t, totalIters)) / totalIters),
  );
}
