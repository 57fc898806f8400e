import { checkOptionKeys } from "../option-keys.js";
import { checkPositive } from "../validate.js";
import { type StepSchedule, stepSchedule } from "./schedule.js";

/** Options of `exponentialLr`: η and the decay γ (η_t = η·γ^t). */
export interface ExponentialLrOptions {
  lr: number;
  gamma: number;
}

/** η_t = η·γ^t (torch.optim.lr_scheduler.ExponentialLR). */
export function exponentialLr(options: ExponentialLrOptions): StepSchedule {
  const op = "exponentialLr";
  checkOptionKeys(op, options, ["lr", "gamma"]);
  const lr = checkPositive(op, "lr", options.lr);
  const gamma = checkPositive(op, "gamma", options.gamma);
  return stepSchedule({ type: op, options: { lr, gamma } }, (t) => lr * gamma ** t);
}
