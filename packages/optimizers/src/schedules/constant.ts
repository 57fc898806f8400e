import { checkOptionKeys } from "../option-keys.js";
import { checkInteger, checkPositive } from "../validate.js";
import { type StepSchedule, stepSchedule } from "./schedule.js";

/** Options of `constantLr`: η, and the factor applied for the first `totalIters` steps. */
export interface ConstantLrOptions {
  lr: number;
  /** Multiplier for the first `totalIters` steps (PyTorch ConstantLR); 1 by default. */
  factor?: number;
  totalIters?: number;
}

/** η_t = η·factor for t < totalIters, then η (torch.optim.lr_scheduler.ConstantLR; a plain constant by default). */
export function constantLr(options: ConstantLrOptions): StepSchedule {
  const op = "constantLr";
  checkOptionKeys(op, options, ["lr", "factor", "totalIters"]);
  const lr = checkPositive(op, "lr", options.lr);
  const factor = checkPositive(op, "factor", options.factor ?? 1);
  const totalIters = checkInteger(op, "totalIters", options.totalIters ?? 0, 0);
  return stepSchedule({ type: op, options: { lr, factor, totalIters } }, (t) =>
    t < totalIters ? lr * factor : lr,
  );
}
