export {
  type AdaBeliefOptions,
  adabelief,
  type ScaleByBeliefOptions,
  type ScaleByBeliefState,
  scaleByBelief,
} from "./alias/adabelief.js";
export { type AdadeltaOptions, adadelta } from "./alias/adadelta.js";
export { type AdagradOptions, adagrad } from "./alias/adagrad.js";
export { type AdamOptions, adam } from "./alias/adam.js";
export { type AdamaxOptions, adamax } from "./alias/adamax.js";
export { adamw } from "./alias/adamw.js";
export { type LionOptions, lion } from "./alias/lion.js";
export { type NadamOptions, nadam } from "./alias/nadam.js";
export type { CommonOptions } from "./alias/optimizer.js";
export { type RmspropOptions, rmsprop } from "./alias/rmsprop.js";
export { type SgdOptions, sgd } from "./alias/sgd.js";
export { chain } from "./chain.js";
export { HyperparameterError, OptimizerError, StateDictError } from "./errors.js";
export { applyUpdates, computeUpdates } from "./functional.js";
export type { JsonObject, JsonValue } from "./json.js";
export { decodeNumber, encodeNumber } from "./json-number.js";
export { masked, type ParamMask } from "./masked.js";
export { Optimizer, type OptimizerStateDict, type SavedOptimizerState } from "./optimizer.js";
export { checkOptionKeys } from "./option-keys.js";
export { type ParamInfo, type ParamTensors, paramTensors, zerosLikeParams } from "./params.js";
export { partition } from "./partition.js";
export {
  createOptimizerRegistry,
  type OptimizerRegistry,
  type ScheduleFactory,
  type TransformFactory,
} from "./registry.js";
export { type ConstantLrOptions, constantLr } from "./schedules/constant.js";
export { type CosineAnnealingLrOptions, cosineAnnealingLr } from "./schedules/cosine.js";
export {
  type CosineAnnealingWarmRestartsOptions,
  cosineAnnealingWarmRestarts,
} from "./schedules/cosine-warm-restarts.js";
export { type ExponentialLrOptions, exponentialLr } from "./schedules/exponential.js";
export { type LinearLrOptions, linearLr } from "./schedules/linear.js";
export { type MultiStepLrOptions, multiStepLr } from "./schedules/multi-step.js";
export { type OneCycleLrOptions, oneCycleLr } from "./schedules/one-cycle.js";
export { type ReduceLrOnPlateauOptions, reduceLrOnPlateau } from "./schedules/reduce-on-plateau.js";
export { type LearningRate, type LrSchedule, type StepSchedule, stepSchedule } from "./schedules/schedule.js";
export { type SequentialLrOptions, sequentialLr } from "./schedules/sequential.js";
export { type StepLrOptions, stepLr } from "./schedules/step.js";
export { checkState, checkStateList } from "./state-shape.js";
export type { StateTensor, TensorReference } from "./state-tensors.js";
export type { GradientTransformation, Spec, StatelessState, UpdateContext } from "./transform.js";
export { addDecayedWeights } from "./transforms/add-decayed-weights.js";
export { type ClipByGlobalNormOptions, clipByGlobalNorm } from "./transforms/clip-by-global-norm.js";
export { type ClipByValueOptions, clipByValue } from "./transforms/clip-by-value.js";
export { identity } from "./transforms/identity.js";
export { ema, emaOfSquare, updateEma } from "./transforms/moving-average.js";
export { scale } from "./transforms/scale.js";
export {
  type ScaleByAdadeltaOptions,
  type ScaleByAdadeltaState,
  scaleByAdadelta,
} from "./transforms/scale-by-adadelta.js";
export {
  type ScaleByAdagradOptions,
  type ScaleByAdagradState,
  scaleByAdagrad,
} from "./transforms/scale-by-adagrad.js";
export {
  adamFamily,
  type ScaleByAdamOptions,
  type ScaleByAdamState,
  type SecondMoment,
  scaleByAdam,
} from "./transforms/scale-by-adam.js";
export {
  type ScaleByAdamaxOptions,
  type ScaleByAdamaxState,
  scaleByAdamax,
} from "./transforms/scale-by-adamax.js";
export { type LearningRateState, scaleByLearningRate } from "./transforms/scale-by-learning-rate.js";
export { type ScaleByLionOptions, type ScaleByLionState, scaleByLion } from "./transforms/scale-by-lion.js";
export {
  type ScaleByNadamOptions,
  type ScaleByNadamState,
  scaleByNadam,
} from "./transforms/scale-by-nadam.js";
export { type ScaleByRmsOptions, type ScaleByRmsState, scaleByRms } from "./transforms/scale-by-rms.js";
export { type TraceOptions, type TraceState, trace } from "./transforms/trace.js";
export {
  checkBetas,
  checkBoolean,
  checkInteger,
  checkNonNegative,
  checkOneOf,
  checkPositive,
  checkUnitInterval,
} from "./validate.js";
