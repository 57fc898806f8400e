import { checkOptionKeys } from "../option-keys.js";
import { checkPositive } from "../validate.js";
import { bisectRight, checkMilestones, type StepSchedule, stepSchedule } from "./schedule.js";

/** Options of `multiStepLr`: η, the milestones and γ. */
export interface MultiStepLrOptions {
  lr: number;
  /** Increasing step counts at which the rate is multiplied by γ. */
  milestones: readonly number[];
  /** 0.1 by default. */
  gamma?: number;
}

/** η_t = η·γ^|{m ∈ milestones : m ≤ t}| (torch.optim.lr_scheduler.MultiStepLR). */
export function multiStepLr(options: MultiStepLrOptions): StepSchedule {
  const op = "multiStepLr";
  checkOptionKeys(op, options, ["lr", "milestones", "gamma"]);
  const lr = checkPositive(op, "lr", options.lr);
  const milestones = checkMilestones(op, options.milestones);
  const gamma = checkPositive(op, "gamma", options.gamma ?? 0.1);
  return stepSchedule(
    { type: op, options: { lr, milestones: [...milestones], gamma } },
    (t) => lr * gamma ** bisectRight(milestones, t),
  );
}
