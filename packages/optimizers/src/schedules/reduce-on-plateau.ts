import { OptimizerError, StateDictError } from "../errors.js";
import { isJsonObject, type JsonObject } from "../json.js";
import { decodeNumber, encodeNumber } from "../json-number.js";
import { checkOptionKeys } from "../option-keys.js";
import { checkInteger, checkNonNegative, checkOneOf, checkPositive, checkUnitInterval } from "../validate.js";
import type { LrSchedule } from "./schedule.js";

/** Options of `reduceLrOnPlateau`: η, whether the metric should fall or rise, the factor, patience and floor. */
export interface ReduceLrOnPlateauOptions {
  lr: number;
  /** "min" (default): the metric should fall; "max": it should rise. */
  mode?: "min" | "max";
  /** η ← max(η·factor, minLr) on a plateau; 0.1 by default. */
  factor?: number;
  /** Steps without improvement tolerated before reducing; 10 by default. */
  patience?: number;
  /** Minimum improvement that counts; 1e-4 by default. */
  threshold?: number;
  /** "rel" (default): relative to the best value; "abs": absolute. */
  thresholdMode?: "rel" | "abs";
  /** Steps to wait after a reduction before counting again; 0 by default. */
  cooldown?: number;
  minLr?: number;
  /** Reductions smaller than eps are skipped; 1e-8 by default. */
  eps?: number;
}

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau, driven by a metric: `step(metric)`. A value is better when
 * (min, rel) m < best·(1 − threshold), (min, abs) m < best − threshold, (max, rel) m > best·(1 + threshold),
 * (max, abs) m > best + threshold. After more than `patience` steps without improvement (outside the
 * cooldown) η ← max(η·factor, minLr), unless that changes η by no more than eps.
 */
export function reduceLrOnPlateau(options: ReduceLrOnPlateauOptions): LrSchedule {
  const op = "reduceLrOnPlateau";
  checkOptionKeys(op, options, [
    "lr",
    "mode",
    "factor",
    "patience",
    "threshold",
    "thresholdMode",
    "cooldown",
    "minLr",
    "eps",
  ]);
  const initialLr = checkPositive(op, "lr", options.lr);
  const mode = checkOneOf(op, "mode", options.mode ?? "min", ["min", "max"] as const);
  const factor = checkUnitInterval(op, "factor", options.factor ?? 0.1);
  const patience = checkInteger(op, "patience", options.patience ?? 10, 0);
  const threshold = checkNonNegative(op, "threshold", options.threshold ?? 1e-4);
  const thresholdMode = checkOneOf(op, "thresholdMode", options.thresholdMode ?? "rel", [
    "rel",
    "abs",
  ] as const);
  const cooldown = checkInteger(op, "cooldown", options.cooldown ?? 0, 0);
  const minLr = checkNonNegative(op, "minLr", options.minLr ?? 0);
  const eps = checkNonNegative(op, "eps", options.eps ?? 1e-8);
  const worst = mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  const isBetter = (m: number, best: number): boolean => {
    if (mode === "min") return thresholdMode === "rel" ? m < best * (1 - threshold) : m < best - threshold;
    return thresholdMode === "rel" ? m > best * (threshold + 1) : m > best + threshold;
  };

  const s = { step: 0, lr: initialLr, best: worst, numBadSteps: 0, cooldownCounter: 0 };
  return {
    spec: {
      type: op,
      options: { lr: initialLr, mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps },
    },
    getLr: () => s.lr,
    step(metric?: number): void {
      if (typeof metric !== "number" || Number.isNaN(metric)) {
        throw new OptimizerError(`${op}: step(metric) needs the metric it watches, got ${String(metric)}`);
      }
      s.step += 1;
      if (isBetter(metric, s.best)) {
        s.best = metric;
        s.numBadSteps = 0;
      } else {
        s.numBadSteps += 1;
      }
      if (s.cooldownCounter > 0) {
        s.cooldownCounter -= 1;
        s.numBadSteps = 0;
      }
      if (s.numBadSteps > patience) {
        const reduced = Math.max(s.lr * factor, minLr);
        if (s.lr - reduced > eps) s.lr = reduced;
        s.cooldownCounter = cooldown;
        s.numBadSteps = 0;
      }
    },
    stateDict: () => ({ ...s, best: encodeNumber(s.best) }),
    loadStateDict(state: JsonObject): void {
      if (!isJsonObject(state))
        throw new StateDictError(`${op}: saved state must be an object, got ${JSON.stringify(state)}`);
      const next = {
        step: checkSaved(state, "step", 0),
        lr: decodeNumber(state.lr, `${op}: saved lr`),
        best: decodeNumber(state.best, `${op}: saved best`),
        numBadSteps: checkSaved(state, "numBadSteps", 0),
        cooldownCounter: checkSaved(state, "cooldownCounter", 0),
      };
      Object.assign(s, next);
    },
  };
}

function checkSaved(state: JsonObject, key: string, min: number): number {
  const v = state[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new StateDictError(
      `reduceLrOnPlateau: saved ${key} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}
