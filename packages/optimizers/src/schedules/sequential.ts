import { HyperparameterError } from "../errors.js";
import { checkOptionKeys } from "../option-keys.js";
import { bisectRight, checkMilestones, type StepSchedule, stepSchedule } from "./schedule.js";

/** Options of `sequentialLr`: the schedules and the steps at which each takes over. */
export interface SequentialLrOptions {
  /** The schedules in order; each restarts from its own step 0 when it takes over. */
  schedules: readonly StepSchedule[];
  /** Step counts at which the next schedule takes over (one fewer than schedules). */
  milestones: readonly number[];
}

/**
 * torch.optim.lr_scheduler.SequentialLR, e.g. warmup then cosine: with milestones m_1 < … < m_k,
 * η_t = S_i.lrAt(t − m_i) where i = |{m_j ≤ t}| and m_0 = 0.
 */
export function sequentialLr(options: SequentialLrOptions): StepSchedule {
  const op = "sequentialLr";
  checkOptionKeys(op, options, ["schedules", "milestones"]);
  const schedules = [...options.schedules];
  const milestones = checkMilestones(op, options.milestones);
  if (schedules.length !== milestones.length + 1) {
    throw new HyperparameterError(
      `${op}: schedules must have one more entry than milestones, got ${schedules.length} schedules and ${milestones.length} milestones`,
    );
  }
  schedules.forEach((s, i) => {
    if (typeof s?.lrAt !== "function") {
      throw new HyperparameterError(
        `${op}: schedules[${i}] must be a step schedule with lrAt(step) (not reduceLrOnPlateau)`,
      );
    }
  });
  const spec = {
    type: op,
    options: { schedules: schedules.map((s) => ({ ...s.spec })), milestones: [...milestones] },
  };
  return stepSchedule(spec, (t) => {
    const i = bisectRight(milestones, t);
    return schedules[i]!.lrAt(i === 0 ? t : t - milestones[i - 1]!);
  });
}
