import { HyperparameterError } from "../errors.js";
import { checkOptionKeys } from "../option-keys.js";
import { checkBoolean, checkInteger, checkOneOf, checkPositive, checkUnitInterval } from "../validate.js";
import { type StepSchedule, stepSchedule } from "./schedule.js";

/** Options of `oneCycleLr`: the peak rate, the cycle length and its shape. */
export interface OneCycleLrOptions {
  maxLr: number;
  totalSteps: number;
  /** Fraction of the cycle spent increasing the rate; 0.3 by default. */
  pctStart?: number;
  /** "cos" (default) or "linear". */
  annealStrategy?: "cos" | "linear";
  /** initial η = maxLr / divFactor; 25 by default. */
  divFactor?: number;
  /** final η = initial η / finalDivFactor; 1e4 by default. */
  finalDivFactor?: number;
  /** Three phases (up, down to the initial rate, down to the final rate) instead of two. */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  start: number;
  end: number;
}

/**
 * 1cycle (torch.optim.lr_scheduler.OneCycleLR, without momentum cycling): the rate rises from
 * maxLr/divFactor to maxLr over pctStart·totalSteps steps, then anneals to maxLr/(divFactor·finalDivFactor).
 * Cosine annealing between a and b: η = b + (a − b)·(1 + cos(π·pct)) / 2; linear: η = a + (b − a)·pct.
 */
export function oneCycleLr(options: OneCycleLrOptions): StepSchedule {
  const op = "oneCycleLr";
  checkOptionKeys(op, options, [
    "maxLr",
    "totalSteps",
    "pctStart",
    "annealStrategy",
    "divFactor",
    "finalDivFactor",
    "threePhase",
  ]);
  const maxLr = checkPositive(op, "maxLr", options.maxLr);
  const totalSteps = checkInteger(op, "totalSteps", options.totalSteps, 1);
  const pctStart = checkUnitInterval(op, "pctStart", options.pctStart ?? 0.3);
  const annealStrategy = checkOneOf(op, "annealStrategy", options.annealStrategy ?? "cos", [
    "cos",
    "linear",
  ] as const);
  const divFactor = checkPositive(op, "divFactor", options.divFactor ?? 25);
  const finalDivFactor = checkPositive(op, "finalDivFactor", options.finalDivFactor ?? 1e4);
  const threePhase = checkBoolean(op, "threePhase", options.threePhase ?? false);
  const initialLr = maxLr / divFactor;
  const minLr = initialLr / finalDivFactor;
  const phases: Phase[] = threePhase
    ? [
        { endStep: pctStart * totalSteps - 1, start: initialLr, end: maxLr },
        { endStep: 2 * pctStart * totalSteps - 2, start: maxLr, end: initialLr },
        { endStep: totalSteps - 1, start: initialLr, end: minLr },
      ]
    : [
        { endStep: pctStart * totalSteps - 1, start: initialLr, end: maxLr },
        { endStep: totalSteps - 1, start: maxLr, end: minLr },
      ];
  const anneal =
    annealStrategy === "cos"
      ? (a: number, b: number, pct: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (a: number, b: number, pct: number) => (b - a) * pct + a;
  const spec = {
    type: op,
    options: { maxLr, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase },
  };
  return stepSchedule(spec, (t) => {
    if (t > totalSteps) {
      throw new HyperparameterError(`${op}: stepped ${t} times, but totalSteps is ${totalSteps}`);
    }
    let i = 0;
    let startStep = 0;
    while (i < phases.length - 1 && t > phases[i]!.endStep) {
      startStep = phases[i]!.endStep;
      i++;
    }
    const phase = phases[i]!;
    return anneal(phase.start, phase.end, (t - startStep) / (phase.endStep - startStep));
  });
}
