import { StateDictError } from "../errors.js";
import { isJsonObject, type JsonObject } from "../json.js";
import type { Spec } from "../transform.js";
import { checkInteger } from "../validate.js";

/**
 * A learning-rate schedule, stateful like a PyTorch LR scheduler: `getLr()` is the rate to use now,
 * `step()` advances it (call it after `optimizer.step()`, per batch or per epoch as you choose).
 * Pass it as an optimizer's `lr` and its state is saved and loaded with the optimizer's `stateDict()`.
 */
export interface LrSchedule {
  /** The learning rate η_t of the current step. */
  getLr(): number;
  /** Advances one step; `reduceLrOnPlateau` takes the metric it watches. */
  step(metric?: number): void;
  /** The schedule's state as JSON (its step count and what it tracks), for checkpoints. */
  stateDict(): JsonObject;
  /** Restores the state `stateDict` returned; fails loudly on a mismatch. */
  loadStateDict(state: JsonObject): void;
  readonly spec: Spec;
}

/** A schedule that is a pure function of the step count: `lrAt(t)` is the rate after `t` calls of `step()`. */
export interface StepSchedule extends LrSchedule {
  /** η_t at step `step`, without changing the schedule. */
  lrAt(step: number): number;
  /** How many times `step()` has been called. */
  readonly stepCount: number;
  step(): void;
}

/** A learning rate: a fixed number or a schedule. */
export type LearningRate = number | LrSchedule;

/** Builds a `StepSchedule` from its closed form `lrAt`; its state is `{ step }`. */
export function stepSchedule(spec: Spec, lrAt: (step: number) => number): StepSchedule {
  let t = 0;
  return {
    spec,
    lrAt(step: number): number {
      checkInteger(spec.type, "step", step, 0);
      return lrAt(step);
    },
    get stepCount(): number {
      return t;
    },
    getLr: () => lrAt(t),
    step(): void {
      t += 1;
    },
    stateDict: () => ({ step: t }),
    loadStateDict(state: JsonObject): void {
      const step = isJsonObject(state) ? state.step : undefined;
      if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
        throw new StateDictError(
          `${spec.type}: saved state must be { step: integer ≥ 0 }, got ${JSON.stringify(state)}`,
        );
      }
      t = step;
    },
  };
}

/** The number of entries of a sorted list that are ≤ x (Python's bisect_right). */
export function bisectRight(sorted: readonly number[], x: number): number {
  let k = 0;
  while (k < sorted.length && sorted[k]! <= x) k++;
  return k;
}

/** Checks a strictly increasing list of integers ≥ 1 (milestones). */
export function checkMilestones(op: string, milestones: unknown): readonly number[] {
  if (!Array.isArray(milestones)) checkInteger(op, "milestones", milestones, 1);
  const list = milestones as unknown[];
  list.forEach((m, i) => {
    checkInteger(op, `milestones[${i}]`, m, i === 0 ? 1 : (list[i - 1] as number) + 1);
  });
  return [...(list as number[])];
}
