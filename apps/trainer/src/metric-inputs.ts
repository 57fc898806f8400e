import { formatShape, type Tensor } from "@backprop/tensor";
import { TrainerError } from "./errors.js";
import type { Targets } from "./metrics.js";

/** The labels of a classification batch, checked against the predictions [m, C]. */
export function labelsOf(op: string, predictions: Tensor, targets: Targets): Int32Array {
  if (!(targets instanceof Int32Array))
    throw new TrainerError(`${op}: needs class labels (an Int32Array), got a tensor`);
  if (predictions.rank !== 2 || predictions.shape[0] !== targets.length) {
    throw new TrainerError(
      `${op}: predictions ${formatShape(predictions.shape)} do not match ${targets.length} labels`,
    );
  }
  return targets;
}

/** The targets of a regression batch, checked against the predictions. */
export function valuesOf(op: string, predictions: Tensor, targets: Targets): Tensor {
  if (targets instanceof Int32Array)
    throw new TrainerError(`${op}: needs regression targets (a tensor), got class labels`);
  if (predictions.size !== targets.size || predictions.shape[0] !== targets.shape[0]) {
    throw new TrainerError(
      `${op}: predictions ${formatShape(predictions.shape)} do not match targets ${formatShape(targets.shape)}`,
    );
  }
  return targets;
}

/** Checks a saved metric state: `length` numbers (any count when undefined). */
export function checkState(name: string, state: readonly number[], length?: number): void {
  const ok =
    Array.isArray(state) &&
    (length === undefined || state.length === length) &&
    state.every((v) => typeof v === "number");
  if (!ok) {
    throw new TrainerError(
      `${name}: saved metric state must be ${length ?? "a list of"} numbers, got ${JSON.stringify(state)}`,
    );
  }
}
