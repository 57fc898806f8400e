import { join, resolve } from "node:path";
import { type Dataset, datasetSize } from "@backprop/data";
import { summary } from "@backprop/layers";
import { writeFileAtomic } from "@backprop/layers/node";
import { type Backend, Rng } from "@backprop/tensor";
import { createBackend, threadsOf } from "./backend.js";
import {
  buildEvaluationLoss,
  buildLoss,
  buildModel,
  buildOptimizer,
  checkMonitors,
  describeModel,
  lossLabels,
  metricSpecs,
} from "./build.js";
import type { Callback, FitResult } from "./callback.js";
import { EarlyStopping, ProgressLogger, ReduceLROnPlateau } from "./callbacks.js";
import { backendKindOf, parseTrainConfig, type TrainConfig } from "./config.js";
import { describeData, prepareData } from "./datasets.js";
import { TrainerError, UsageError } from "./errors.js";
import { formatThreads, relabel } from "./format.js";
import type { EpochLogs } from "./history.js";
import { initWeightsFrom } from "./init-from.js";
import { confusionMatrix } from "./metrics.js";
import { saveTrainedModel } from "./model-io.js";
import { CsvLogger, JsonLinesLogger, ModelCheckpoint } from "./node-callbacks.js";
import { type ProfileRow, RunProfile, type WorkerProfile } from "./profile.js";
import type { ProgressStream } from "./progress.js";
import { renderReport } from "./report.js";
import {
  createRunDir,
  hasCheckpoint,
  loadLatestCheckpoint,
  RUN_FILES,
  readJson,
  runDirectory,
  timestampName,
  writeJsonAtomic,
} from "./run-dir.js";
import { acquireRunLock, checkNotLocked, type RunLock } from "./run-lock.js";
import { Trainer } from "./trainer.js";
import { planTraining } from "./training-plan.js";

/** config.json of a run: the resolved configuration and the backend it ran on. */
export interface RunConfigFile {
  format: "backprop.run-config";
  version: 1;
  /** The exact backend (js, wasm-simd, wasm-relaxed-simd): a resume must use the same one to be bitwise exact. */
  backend: string;
  config: TrainConfig;
}

/** Options of `runTraining` beyond the configuration: replace or resume a run, threads, pausing, progress output, callbacks and an abort signal. */
export interface RunOptions {
  /** Replace an existing run directory (default false: refuse). */
  force?: boolean | undefined;
  /** Continue the run in this directory from its last checkpoint (its config.json is used). */
  resume?: string | undefined;
  /** Threads of the wasm backend, overriding the configuration's (a resume may change it: results are the same). */
  threads?: number | "auto" | undefined;
  /** With `resume`: train up to this many epochs in all, more than the run's own (extending a finished run). */
  epochs?: number | undefined;
  /** Pause, resumably, after this many epochs. */
  stopAfterEpoch?: number | undefined;
  /** Progress bar and epoch lines go here (nothing when undefined). */
  progress?: ProgressStream | undefined;
  /** Other messages (checkpoints, LR drops). */
  log?: ((message: string) => void) | undefined;
  /** Abort to stop at the end of the current batch with a checkpoint. */
  signal?: AbortSignal | undefined;
  /** Time where the training's time goes (backend primitives, checkpoints, the rest): `RunResult.profile`. */
  profile?: boolean | undefined;
  /** More callbacks, run after the built-in ones and before the checkpointing one. */
  callbacks?: readonly Callback[] | undefined;
  /**
   * Compute on this backend instead of the one the configuration names (e.g. a test backend from
   * `@backprop/tensor/testing`); a resume must be given the same one.
   */
  backend?: Backend | undefined;
}

/** What a run produced. */
export interface RunResult {
  runDir: string;
  status: FitResult["status"];
  reason?: string | undefined;
  history: EpochLogs[];
  /** Loss and metrics on the test split (finished runs with a test split). */
  test?: Record<string, number> | undefined;
  /** Wall time of this invocation, seconds. */
  seconds: number;
  backend: string;
  /** Threads the backend computed on. */
  threads: number;
  data: string;
  model: string;
  /**
   * With `RunOptions.profile`: where the training's time went, as rows; on a backend with worker
   * threads, their busy and idle time; and the CLI's table.
   */
  profile?: { rows: ProfileRow[]; workers?: WorkerProfile | undefined; table: string } | undefined;
}

/** results.json of a run. */
interface ResultsFile extends Omit<RunResult, "history" | "runDir"> {
  format: "backprop.run-results";
  version: 1;
}

async function readRunConfig(runDir: string): Promise<RunConfigFile> {
  const path = join(runDir, RUN_FILES.config);
  const file = (await readJson(path, "run configuration")) as Partial<RunConfigFile>;
  if (file.format !== "backprop.run-config" || file.version !== 1 || typeof file.backend !== "string") {
    throw new TrainerError(
      `${path} is not a backprop run configuration (format backprop.run-config, version 1)`,
    );
  }
  return { ...file, config: parseTrainConfig(file.config, path) } as RunConfigFile;
}

/** The run's config with `epochs` in all (`--resume --epochs N`): more than it had, or a usage error. */
function extendedConfig(runDir: string, config: TrainConfig, epochs: number): TrainConfig {
  if (config.epochs !== undefined && epochs <= config.epochs) {
    throw new UsageError(
      `--epochs ${epochs} does not extend ${runDir}, which trains ${config.epochs} epochs; give more, or drop --epochs to continue it`,
    );
  }
  return { ...config, epochs };
}

/** The predictions of `trainer` on a classification dataset, for its confusion matrix. */
function confusionOf(trainer: Trainer, data: Dataset, classNames: readonly string[]) {
  if (data.task !== "classification") return undefined;
  return {
    matrix: confusionMatrix(trainer.predict(data.features), data.targets, classNames.length),
    classNames,
  };
}

/**
 * `backprop train` as a function: prepares the data, builds the network, loss and optimizer the
 * config describes, trains with progress, logging, checkpoints, early stopping and LR reduction as
 * configured, then evaluates on the test split and writes the final model, results.json and
 * report.html into the run directory. `options.resume` continues an earlier run exactly. The run
 * directory is locked while it is written (a second trainer on it is refused; see run-lock.ts).
 */
export async function runTraining(
  input: TrainConfig | undefined,
  options: RunOptions = {},
): Promise<RunResult> {
  const locks: RunLock[] = [];
  try {
    return await trainInRunDir(input, options, locks);
  } finally {
    for (const lock of locks) await lock.release();
  }
}

async function trainInRunDir(
  input: TrainConfig | undefined,
  options: RunOptions,
  locks: RunLock[],
): Promise<RunResult> {
  const started = performance.now();
  let config: TrainConfig;
  let runDir: string;
  let backendName: string | undefined;
  /** config.json with the epochs of `--resume --epochs N`, written once the run is locked. */
  let extended: RunConfigFile | undefined;
  if (options.resume !== undefined) {
    runDir = resolve(options.resume);
    const saved = await readRunConfig(runDir);
    config = saved.config;
    backendName = saved.backend;
    if (!hasCheckpoint(runDir)) throw new TrainerError(`${runDir} has no checkpoint to resume from`);
    if (options.epochs !== undefined) {
      config = extendedConfig(runDir, config, options.epochs);
      extended = { ...saved, config };
    }
  } else {
    if (input === undefined) throw new TrainerError("runTraining: a configuration is needed unless resuming");
    config = input;
    runDir = runDirectory(config.outDir, config.name ?? timestampName(new Date()));
  }
  const created =
    options.backend ??
    (await createBackend(
      backendName === undefined ? config.backend : (backendKindOf(backendName) ?? "auto"),
      options.threads ?? config.threads,
      backendName,
    ));
  const profile = options.profile === true ? new RunProfile(created) : undefined;
  const backend = profile?.backend ?? created;
  if (backendName !== undefined && backend.name !== backendName) {
    throw new TrainerError(
      `the run was trained on the ${backendName} backend, which is not available here (got ${backend.name}); a resume must use the same backend to be exact`,
    );
  }
  const threads = threadsOf(backend);
  const data = await prepareData(config, backend);
  const plan = planTraining(config, datasetSize(data.train));
  if (plan.note !== undefined) options.progress?.write(`${plan.note}\n`);
  config = plan.config;
  const { epochs, batchSize } = plan.config;
  const dataText = describeData(data, config.dataset);
  const modelText = describeModel(config, data.inputs, data.outputs);
  const task = data.preprocessing.task;
  const streams = new Rng(config.seed);
  const initRng = streams.fork();
  const batchRng = streams.fork();
  const model = buildModel(config, data.inputs, data.outputs, { backend, rng: initRng });
  if (config.initFrom !== undefined && options.resume === undefined) {
    const file = await initWeightsFrom(model, config.initFrom, backend);
    options.log?.(`initial weights from ${file}`);
  }
  const batchesPerEpoch = Math.ceil(datasetSize(data.train) / batchSize);
  const built = buildOptimizer(plan.config, model, batchesPerEpoch);
  const trainer = new Trainer({
    model,
    loss: buildLoss(config, task),
    optimizer: built.optimizer,
    metrics: metricSpecs(config, task, data.targetScaler),
    schedule: built.schedule,
    scheduleInterval: built.interval,
  });
  const validation = data.validation;
  checkMonitors(config, task, validation !== undefined);

  if (options.resume === undefined) {
    await checkNotLocked(runDir);
    await createRunDir(runDir, options.force ?? false);
  }
  locks.push(await acquireRunLock(runDir, options.log));
  if (extended !== undefined) await writeJsonAtomic(join(runDir, RUN_FILES.config), extended);
  if (options.resume === undefined) {
    const file: RunConfigFile = { format: "backprop.run-config", version: 1, backend: backend.name, config };
    await writeJsonAtomic(join(runDir, RUN_FILES.config), file);
  }
  const checkpoint = options.resume === undefined ? undefined : await loadLatestCheckpoint(runDir, backend);

  const log = options.log ?? (() => undefined);
  const callbacks: Callback[] = profile === undefined ? [] : [profile.window];
  const labels = lossLabels(config, task);
  if (options.progress !== undefined)
    callbacks.push(new ProgressLogger({ stream: options.progress, labels }));
  if (config.earlyStopping !== null) callbacks.push(new EarlyStopping(config.earlyStopping));
  if (built.plateauMonitor !== undefined)
    callbacks.push(new ReduceLROnPlateau(built.schedule, { monitor: built.plateauMonitor, log }));
  callbacks.push(
    new JsonLinesLogger(join(runDir, RUN_FILES.metrics)),
    new CsvLogger(join(runDir, RUN_FILES.metricsCsv)),
  );
  callbacks.push(...(options.callbacks ?? []));
  const checkpoints = new ModelCheckpoint(runDir, {
    every: config.checkpointEvery,
    keep: config.keepCheckpoints,
  });
  callbacks.push(profile === undefined ? checkpoints : profile.timeCheckpoints(checkpoints));

  const fit = await trainer.fit(data.train, {
    epochs,
    batchSize,
    seed: batchRng,
    validation,
    callbacks,
    resume: checkpoint,
    stopAfterEpoch: options.stopAfterEpoch,
    signal: options.signal,
  });

  const finished = fit.status === "completed" || fit.status === "stopped";
  // The test loss is the plain loss (no label smoothing), as `backprop eval` reports it.
  const tester = new Trainer({
    model,
    loss: buildEvaluationLoss(config, task),
    metrics: metricSpecs(config, task, data.targetScaler),
  });
  const test = finished && data.test !== undefined ? tester.evaluate(data.test) : undefined;
  const confusion =
    finished && data.test !== undefined
      ? confusionOf(trainer, data.test, data.preprocessing.classNames ?? [])
      : undefined;
  if (finished) await saveTrainedModel(model, data.preprocessing, join(runDir, RUN_FILES.model));
  const seconds = (performance.now() - started) / 1000;
  const result: RunResult = {
    runDir,
    status: fit.status,
    reason: fit.reason,
    history: fit.history,
    test,
    seconds,
    backend: backend.name,
    threads,
    data: dataText,
    model: modelText,
    profile:
      profile === undefined
        ? undefined
        : { rows: profile.rows(), workers: profile.workers(), table: profile.table() },
  };
  const { history: _history, runDir: _runDir, ...rest } = result;
  const resultsFile: ResultsFile = { format: "backprop.run-results", version: 1, ...rest };
  await writeJsonAtomic(join(runDir, RUN_FILES.results), resultsFile);
  const html = renderReport({
    title: `backprop run ${runDir.split(/[\\/]/).at(-1)}`,
    history: fit.history.map((logs) => relabel(logs, labels) as EpochLogs),
    test,
    confusion,
    facts: {
      status: fit.reason === undefined ? fit.status : `${fit.status}: ${fit.reason}`,
      data: dataText,
      model: modelText,
      optimizer: `${config.optimizer}, lr ${config.learningRate}, ${config.schedule} schedule${config.weightDecay > 0 ? `, weight decay ${config.weightDecay}` : ""}`,
      "batch size": batchSize,
      epochs: `${fit.history.length} of ${epochs}`,
      seed: config.seed,
      backend: `${backend.name}, ${formatThreads(threads)}`,
      dtype: config.dtype,
    },
    summary: summary(model, [data.inputs]),
  });
  await writeFileAtomic(join(runDir, RUN_FILES.report), html);
  return result;
}
