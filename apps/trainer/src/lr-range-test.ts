import { type StepSchedule, stepSchedule } from "@backprop/optimizers";

/*
 * fastai's learning-rate range test (`Learner.lr_find`, after Smith 2015): train with an
 * exponentially growing rate, record the smoothed loss, stop once it diverges, and suggest a rate.
 */

export interface RangeTestOptions {
  /** First and last rate of the sweep (fastai: 1e-7 and 10). */
  startLr: number;
  endLr: number;
  /** Steps of the sweep (fastai: 100). */
  steps: number;
}

/** The sweep as a schedule the trainer steps after every batch: η_i = start·(end/start)^(i/(n−1)). */
export function rangeTestSchedule(options: RangeTestOptions): StepSchedule {
  const { startLr, endLr, steps } = options;
  return stepSchedule(
    { type: "backprop.lr-range-test", options: { startLr, endLr, steps } },
    (i) => startLr * (endLr / startLr) ** (Math.min(i, steps - 1) / Math.max(steps - 1, 1)),
  );
}

/** What the test found: every rate tried, its batch loss and the smoothed loss, and the suggestions. */
export interface RangeTestResult {
  lrs: number[];
  losses: number[];
  smoothed: number[];
  /** Stopped because the smoothed loss passed 4× its best (or was not finite). */
  diverged: boolean;
  /** The rate of the steepest descent of the smoothed loss against log η. */
  steepest: number | undefined;
  /** The rate of the smoothed loss's minimum, divided by 10. */
  minimumOver10: number | undefined;
}

/** Smoothing of the recorded loss, fastai's β. */
const BETA = 0.98;
/** Divergence: the smoothed loss above this many times its best so far. */
const DIVERGED = 4;

/**
 * Records the losses of a range test: `record(lr, loss)` after each step, false once it has
 * diverged. Smoothing as fastai: a_i = β·a_{i−1} + (1 − β)·loss_i, smoothed_i = a_i / (1 − β^(i+1)).
 */
export class RangeTestRecorder {
  private readonly lrs: number[] = [];
  private readonly losses: number[] = [];
  private readonly smoothed: number[] = [];
  private average = 0;
  private best = Number.POSITIVE_INFINITY;
  private diverged = false;

  record(lr: number, loss: number): boolean {
    const i = this.lrs.length;
    this.average = BETA * this.average + (1 - BETA) * loss;
    const smooth = this.average / (1 - BETA ** (i + 1));
    this.lrs.push(lr);
    this.losses.push(loss);
    this.smoothed.push(smooth);
    if (!Number.isFinite(smooth) || smooth > DIVERGED * this.best) this.diverged = true;
    this.best = Math.min(this.best, smooth);
    return !this.diverged;
  }

  /**
   * The suggestions, as fastai computes them: over the points without the first 10% and the last 5
   * (all of them when that leaves fewer than 3), the rate of the steepest descent
   * (min of (s_{i+1} − s_i) / (log η_{i+1} − log η_i)) and the rate of the minimum / 10.
   */
  result(): RangeTestResult {
    const n = this.lrs.length;
    let from = Math.floor(n / 10);
    let to = n - 5;
    if (to - from < 3) [from, to] = [0, n];
    const lrs = this.lrs.slice(from, to);
    const s = this.smoothed.slice(from, to);
    let steepest: number | undefined;
    let slope = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < s.length; i++) {
      const g = (s[i + 1]! - s[i]!) / (Math.log(lrs[i + 1]!) - Math.log(lrs[i]!));
      if (Number.isFinite(g) && g < slope) [slope, steepest] = [g, lrs[i]];
    }
    let minimumOver10: number | undefined;
    let lowest = Number.POSITIVE_INFINITY;
    s.forEach((v, i) => {
      if (v < lowest) [lowest, minimumOver10] = [v, lrs[i]! / 10];
    });
    return {
      lrs: [...this.lrs],
      losses: [...this.losses],
      smoothed: [...this.smoothed],
      diverged: this.diverged,
      steepest,
      minimumOver10,
    };
  }
}
