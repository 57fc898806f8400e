import { checkOptionKeys } from "../option-keys.js";
import { checkInteger, checkNonNegative, checkPositive } from "../validate.js";
import { type StepSchedule, stepSchedule } from "./schedule.js";

/** Options of `cosineAnnealingLr`: η, the half-period tMax and η_min. */
export interface CosineAnnealingLrOptions {
  lr: number;
  tMax: number;
  /** 0 by default. */
  etaMin?: number;
}

/** η_min + (η − η_min)·(1 + cos(π·tCur / tI)) / 2: the cosine curve both cosine schedules follow. */
export function cosineCurve(lr: number, etaMin: number, tCur: number, tI: number): number {
  return etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
}

/**
 * η_t = η_min + (η − η_min)·(1 + cos(π·t / T_max)) / 2 (torch.optim.lr_scheduler.CosineAnnealingLR;
 * like PyTorch it keeps following the cosine past T_max).
 */
export function cosineAnnealingLr(options: CosineAnnealingLrOptions): StepSchedule {
  const op = "cosineAnnealingLr";
  checkOptionKeys(op, options, ["lr", "tMax", "etaMin"]);
  const lr = checkPositive(op, "lr", options.lr);
  const tMax = checkInteger(op, "tMax", options.tMax, 1);
  const etaMin = checkNonNegative(op, "etaMin", options.etaMin ?? 0);
  return stepSchedule({ type: op, options: { lr, tMax, etaMin } }, (t) => cosineCurve(lr, etaMin, t, tMax));
}
