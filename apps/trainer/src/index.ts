export { createBackend } from "./backend.js";
export {
  type BuiltOptimizer,
  buildLoss,
  buildModel,
  buildOptimizer,
  describeModel,
  metricNames,
} from "./build.js";
export type {
  Awaitable,
  BatchLogs,
  Callback,
  CallbackState,
  Checkpoint,
  FitResult,
  StopStatus,
  TrainingContext,
  TrainingState,
} from "./callback.js";
export {
  EarlyStopping,
  type EarlyStoppingOptions,
  type MonitorMode,
  ProgressLogger,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  TerminateOnNaN,
} from "./callbacks.js";
export { type CliIO, createProgram, EXIT, runCli } from "./cli/program.js";
export { parseTrainConfig, type TrainConfig, type TrainConfigInput, TrainConfigSchema } from "./config.js";
export { type PredictionRow, parseFeatureCsv, predictionCsv, predictionRows } from "./csv-io.js";
export {
  type DataConfig,
  describeData,
  type PreparedData,
  type Preprocessing,
  prepareData,
} from "./datasets.js";
export { TrainerError } from "./errors.js";
export type { EpochLogs } from "./history.js";
export {
  confusionMatrix,
  createMetric,
  MeanAbsoluteError,
  MeanSquaredError,
  type Metric,
  type MetricName,
  R2Score,
  type Targets,
  TopKAccuracy,
} from "./metrics.js";
export { loadTrainedModel, modelDirectory, saveTrainedModel, type TrainedModel } from "./model-io.js";
export {
  CsvLogger,
  JsonLinesLogger,
  ModelCheckpoint,
  type ModelCheckpointOptions,
} from "./node-callbacks.js";
export {
  ProgressBar,
  type ProgressBarOptions,
  type ProgressStream,
  type ProgressUpdate,
} from "./progress.js";
export { enableRelaxedSimd } from "./relaxed-simd.js";
export { type ReportData, renderReport } from "./report.js";
export { type RunConfigFile, type RunOptions, type RunResult, runTraining } from "./run.js";
export { createRunDir, hasCheckpoint, loadLatestCheckpoint, RUN_FILES, saveCheckpoint } from "./run-dir.js";
export {
  type FitOptions,
  type MetricSpec,
  Trainer,
  type TrainerLoss,
  type TrainerOptimizer,
  type TrainerOptions,
} from "./trainer.js";
