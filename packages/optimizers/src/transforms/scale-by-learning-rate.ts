import type { Expr } from "@backprop/tensor";
import type { LearningRate, LrSchedule } from "../schedules/schedule.js";
import type { GradientTransformation } from "../transform.js";
import { checkPositive } from "../validate.js";

/** The state of `scaleByLearningRate`: the schedule (saved through its own `stateDict()`), if any. */
export type LearningRateState = { schedule: LrSchedule } | Record<string, never>;

/** Validates a learning rate option: a finite number > 0 or a schedule. */
export function checkLearningRate(op: string, lr: unknown): LearningRate {
  if (typeof lr === "object" && lr !== null && typeof (lr as LrSchedule).getLr === "function")
    return lr as LrSchedule;
  return checkPositive(op, "lr", lr);
}

/** η now: the number itself, or `schedule.getLr()`. */
export function currentLr(lr: LearningRate): number {
  return typeof lr === "number" ? lr : lr.getLr();
}

/** u ← −η·u, with η a number or `schedule.getLr()` read at every update (the sign makes θ + u a descent step). */
export function scaleByLearningRate(lr: LearningRate): GradientTransformation<LearningRateState> {
  const checked = checkLearningRate("scaleByLearningRate", lr);
  return {
    init: () => (typeof checked === "number" ? {} : { schedule: checked }),
    update(updates: readonly Expr[]): readonly Expr[] {
      const factor = -currentLr(checked);
      return updates.map((u) => u.mul(factor));
    },
  };
}
