import { mlp, type Sequential } from "@backprop/layers";
import { BCEWithLogitsLoss, type Loss, MSELoss } from "@backprop/losses";
import {
  adadelta,
  adagrad,
  adam,
  adamax,
  adamw,
  createOptimizerRegistry,
  type GradientTransformation,
  type JsonObject,
  type LrSchedule,
  lion,
  nadam,
  Optimizer,
  rmsprop,
  type SgdOptions,
  sgd,
} from "@backprop/optimizers";
import type { Backend, DType, Parameter } from "@backprop/tensor";
import {
  NOT_OFFERED_SCHEDULES,
  NOT_OPTIMIZERS,
  OPTIMIZER_PARAMS,
  registryOptions,
  SCHEDULE_PARAMS,
} from "../state/optimizer-catalog.js";
import type { PlaygroundState } from "../state/state.js";

export type Task = "classification" | "regression";

/** [I_1 = features, hidden widths…, I_L = 1]: one output, a logit (classification) or a value (regression). */
export function layerSizes(state: Pick<PlaygroundState, "features" | "hidden">): number[] {
  return [state.features.length, ...state.hidden, 1];
}

export function buildModel(
  state: PlaygroundState,
  options: { backend?: Backend; dtype?: DType; seed?: number } = {},
): Sequential {
  return mlp({
    sizes: layerSizes(state),
    activation: state.activation,
    bias: state.bias,
    seed: options.seed ?? state.seed,
    dtype: options.dtype ?? "float32",
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
}

/** Binary cross-entropy on the logit when "auto" and classifying; a squared error otherwise. */
export function usesCrossEntropy(state: PlaygroundState, task: Task): boolean {
  return state.loss === "auto" && task === "classification";
}

export function buildLoss(state: PlaygroundState, task: Task): Loss {
  if (usesCrossEntropy(state, task)) return new BCEWithLogitsLoss();
  return new MSELoss({ reduction: state.loss === "auto" ? "mean" : state.loss });
}

/**
 * The target t of a point's label: classes ±1 become 0 / 1 for cross-entropy and stay ±1 for a
 * squared error; regression values are their own targets.
 */
export function targetOf(label: number, crossEntropy: boolean): number {
  return crossEntropy ? (label > 0 ? 1 : 0) : label;
}

/** The picture's output value in [−1, 1] for an output y: 2σ(y) − 1 for a logit, y itself otherwise. */
export function displayValue(y: number, crossEntropy: boolean): number {
  return crossEntropy ? 2 / (1 + Math.exp(-y)) - 1 : y;
}

/** The optimizers by registry name, each taking a learning rate that may be a live schedule. */
const OPTIMIZERS: Record<string, (options: Record<string, unknown>) => GradientTransformation> = {
  sgd: (o) => sgd(o as unknown as SgdOptions),
  adam,
  adamw,
  rmsprop,
  adagrad,
  adamax,
  nadam,
  adadelta,
  lion,
};

/** The optimizer names the page offers: the registry's optimizers (createOptimizerRegistry().types()). */
export function optimizerNames(): string[] {
  return createOptimizerRegistry()
    .types()
    .filter((t) => !NOT_OPTIMIZERS.includes(t));
}

/** The schedules the page offers: the registry's schedule types but the composite ones. */
export function scheduleNames(): string[] {
  return createOptimizerRegistry()
    .scheduleTypes()
    .filter((t) => !NOT_OFFERED_SCHEDULES.includes(t));
}

/**
 * The optimizer and its schedule as the state names them. The schedule comes from the registry's
 * spec (`createSchedule`) and is kept to be stepped once per epoch; the optimizer is built by its
 * factory with that live schedule as its learning rate (a registry spec would make its own copy).
 */
export function buildOptimizer(
  state: PlaygroundState,
  parameters: readonly Parameter[],
): { optimizer: Optimizer; schedule: LrSchedule | undefined } {
  const scheduleParams = SCHEDULE_PARAMS[state.schedule];
  let schedule: LrSchedule | undefined;
  if (scheduleParams !== undefined) {
    const options = registryOptions(scheduleParams, state.scheduleParams);
    options[state.schedule === "oneCycleLr" ? "maxLr" : "lr"] = state.learningRate;
    schedule = createOptimizerRegistry().createSchedule({
      type: state.schedule,
      options: options as JsonObject,
    });
  }
  const factory = OPTIMIZERS[state.optimizer];
  if (factory === undefined) throw new Error(`unknown optimizer ${JSON.stringify(state.optimizer)}`);
  const options = registryOptions(OPTIMIZER_PARAMS[state.optimizer] ?? [], state.optimizerParams);
  const transform = factory({ ...options, lr: schedule ?? state.learningRate });
  return { optimizer: new Optimizer(transform, parameters), schedule };
}
