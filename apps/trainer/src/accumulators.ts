import type { Tensor } from "@backprop/tensor";
import { TrainerError } from "./errors.js";
import { createMetric, type Metric, type Targets } from "./metrics.js";

/** A metric by name (`"accuracy"`, `"top3"`, `"mse"`, `"mae"`, `"r2"`) or a factory of fresh instances. */
export type MetricSpec = string | (() => Metric);

/** Running loss (Σ loss·size, Σ size) and metrics over an epoch or an evaluation. */
export class Accumulators {
  readonly metrics: Metric[];
  private lossSum = 0;
  private count = 0;

  constructor(specs: readonly MetricSpec[]) {
    this.metrics = specs.map((spec) => (typeof spec === "string" ? createMetric(spec) : spec()));
    const names = new Set<string>(["loss"]);
    for (const m of this.metrics) {
      if (names.has(m.name))
        throw new TrainerError(`metrics: "${m.name}" is given twice (or clashes with the loss)`);
      names.add(m.name);
    }
  }

  reset(): void {
    this.lossSum = 0;
    this.count = 0;
    for (const m of this.metrics) m.reset();
  }

  /** Adds a batch whose mean loss is `loss`. */
  update(loss: number, predictions: Tensor, targets: Targets, size: number): void {
    this.lossSum += loss * size;
    this.count += size;
    for (const m of this.metrics) m.update(predictions, targets);
  }

  get samples(): number {
    return this.count;
  }

  results(prefix = ""): Record<string, number> {
    const out: Record<string, number> = {
      [`${prefix}loss`]: this.count === 0 ? Number.NaN : this.lossSum / this.count,
    };
    for (const m of this.metrics) out[`${prefix}${m.name}`] = m.result();
    return out;
  }

  state(): Record<string, number[]> {
    const out: Record<string, number[]> = { loss: [this.lossSum, this.count] };
    for (const m of this.metrics) out[m.name] = m.state();
    return out;
  }

  loadState(state: Record<string, number[]>): void {
    const loss = state.loss;
    if (!Array.isArray(loss) || loss.length !== 2)
      throw new TrainerError("resume: the saved loss accumulator is not [sum, count]");
    [this.lossSum, this.count] = loss as [number, number];
    for (const m of this.metrics) {
      const saved = state[m.name];
      if (saved === undefined)
        throw new TrainerError(`resume: the checkpoint has no accumulator for metric "${m.name}"`);
      m.loadState(saved);
    }
  }
}
