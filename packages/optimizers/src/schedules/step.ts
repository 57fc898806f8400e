import { checkOptionKeys } from "../option-keys.js";
import { checkInteger, checkPositive } from "../validate.js";
import { type StepSchedule, stepSchedule } from "./schedule.js";

/** Options of `stepLr`: η, the step size and γ (η_t = η·γ^⌊t / stepSize⌋). */
export interface StepLrOptions {
  lr: number;
  stepSize: number;
  /** 0.1 by default. */
  gamma?: number;
}

/** η_t = η·γ^⌊t / stepSize⌋ (torch.optim.lr_scheduler.StepLR). */
export function stepLr(options: StepLrOptions): StepSchedule {
  const op = "stepLr";
  checkOptionKeys(op, options, ["lr", "stepSize", "gamma"]);
  const lr = checkPositive(op, "lr", options.lr);
  const stepSize = checkInteger(op, "stepSize", options.stepSize, 1);
  const gamma = checkPositive(op, "gamma", options.gamma ?? 0.1);
  return stepSchedule(
    { type: op, options: { lr, stepSize, gamma } },
    (t) => lr * gamma ** Math.floor(t / stepSize),
  );
}
