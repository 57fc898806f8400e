import { checkOptionKeys } from "../option-keys.js";
import { checkInteger, checkNonNegative, checkPositive } from "../validate.js";
import { cosineCurve } from "./cosine.js";
import { type StepSchedule, stepSchedule } from "./schedule.js";

/** Options of `cosineAnnealingWarmRestarts` (SGDR): η, the first period t0, its growth tMult and η_min. */
export interface CosineAnnealingWarmRestartsOptions {
  lr: number;
  /** Length of the first period. */
  t0: number;
  /** Each period is tMult times the previous one; 1 by default. */
  tMult?: number;
  /** 0 by default. */
  etaMin?: number;
}

/**
 * SGDR (torch.optim.lr_scheduler.CosineAnnealingWarmRestarts): η_t = η_min + (η − η_min)·(1 + cos(π·T_cur / T_i)) / 2,
 * where T_cur counts steps since the last restart and the i-th period lasts T_i = t0·tMult^i steps.
 */
export function cosineAnnealingWarmRestarts(options: CosineAnnealingWarmRestartsOptions): StepSchedule {
  const op = "cosineAnnealingWarmRestarts";
  checkOptionKeys(op, options, ["lr", "t0", "tMult", "etaMin"]);
  const lr = checkPositive(op, "lr", options.lr);
  const t0 = checkInteger(op, "t0", options.t0, 1);
  const tMult = checkInteger(op, "tMult", options.tMult ?? 1, 1);
  const etaMin = checkNonNegative(op, "etaMin", options.etaMin ?? 0);
  return stepSchedule({ type: op, options: { lr, t0, tMult, etaMin } }, (t) => {
    let tCur = tMult === 1 ? t % t0 : t;
    let tI = t0;
    while (tCur >= tI) {
      tCur -= tI;
      tI *= tMult;
    }
    return cosineCurve(lr, etaMin, tCur, tI);
  });
}
