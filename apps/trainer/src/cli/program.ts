import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DataError } from "@backprop/data";
import { GradcheckError } from "@backprop/gradcheck";
import { LayerError } from "@backprop/layers";
import { writeFileAtomic } from "@backprop/layers/node";
import { LossError } from "@backprop/losses";
import { OptimizerError } from "@backprop/optimizers";
import { TensorError } from "@backprop/tensor";
import { WasmBackendError } from "@backprop/tensor-wasm";
import { Command, CommanderError, Option } from "commander";
import { BACKENDS, type TrainConfig } from "../config.js";
import { describeError, TrainerError, UsageError } from "../errors.js";
import { formatClassTable, formatLogs, formatThreads, relabel } from "../format.js";
import type { ProgressStream } from "../progress.js";
import { enableRelaxedSimd } from "../relaxed-simd.js";
import { runTraining } from "../run.js";
import { hasCheckpoint, RUN_FILES } from "../run-dir.js";
import { runEvaluate, runGradcheck, runPredict, runSummary } from "./commands.js";
import { compareCommand } from "./compare-command.js";
import { configCommand } from "./config-command.js";
import { lrFindCommand } from "./lr-find-command.js";
import {
  addDataOptions,
  addModelOptions,
  addTrainOptions,
  configFlagsGiven,
  configFromCommand,
  parse,
} from "./options.js";

/** Where the CLI reads and writes; the real process streams by default, strings in tests. */
export interface CliIO {
  stdout: ProgressStream;
  stderr: ProgressStream;
  /** Aborted on Ctrl-C: training stops after the current batch and writes a checkpoint. */
  signal?: AbortSignal | undefined;
}

/** Exit codes: 0 success, 1 a user error or failed check, 2 bad usage, 70 an internal error, 130 interrupted. */
export const EXIT = { ok: 0, error: 1, usage: 2, internal: 70, interrupted: 130 } as const;

/** Errors whose message is meant for the user: printed as one line, no stack trace. */
const USER_ERRORS = [
  TrainerError,
  DataError,
  LayerError,
  LossError,
  OptimizerError,
  TensorError,
  GradcheckError,
  WasmBackendError,
];

function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function train(io: CliIO, exit: (code: number) => void): Command {
  const command = new Command("train").description(
    "train an MLP and write a run directory (config, metrics, checkpoints, final model, HTML report)",
  );
  addDataOptions(command);
  addModelOptions(command);
  addTrainOptions(command);
  command
    .option(
      "--resume <run-dir>",
      "continue a run from its last checkpoint (bitwise the same result as an uninterrupted run)",
    )
    .option("--force", "replace an existing run directory")
    .option(
      "--stop-after-epoch <n>",
      "pause after epoch n, resumably (e.g. to split a long run into sessions)",
      parse.positive,
    )
    .option("-q, --quiet", "no progress output")
    .option("--json", "print the result as JSON on stdout")
    .option(
      "--profile",
      "print where the training's time went: gemm, elementwise passes, reductions, batch gather, checkpoints, the rest; and how long each worker thread ran kernels or had no work",
    )
    .addHelpText(
      "after",
      `
Examples:
  backprop train                                        # the default recipe on the built-in digits
  backprop train --dataset fashion-mnist --hidden 512,256 --epochs 20 --dropout 0.2 --schedule cosine
  backprop train --dataset spiral --hidden 32,32 --activation tanh --lr 0.01 --epochs 200
  backprop train --dataset csv:data.csv --target price --task regression
  backprop train --config recipe.json --name my-run
  backprop train --resume runs/my-run`,
    )
    .action(
      async (options: {
        resume?: string;
        force?: boolean;
        stopAfterEpoch?: number;
        quiet?: boolean;
        json?: boolean;
        profile?: boolean;
        threads?: number | "auto";
        epochs?: number;
      }) => {
        let config: TrainConfig | undefined;
        if (options.resume === undefined) {
          config = await configFromCommand(command);
        } else {
          // --epochs N extends the run (a finished one too); every other setting is the run's own.
          const extra = configFlagsGiven(command).filter((key) => key !== "epochs");
          if (extra.length > 0) {
            throw new UsageError(
              `--resume continues a run with the settings in its ${RUN_FILES.config}; drop ${extra.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")}`,
            );
          }
        }
        const log = (message: string) => io.stderr.write(`${message}\n`);
        const result = await runTraining(config, {
          resume: options.resume,
          epochs: options.resume === undefined ? undefined : options.epochs,
          threads: options.threads,
          force: options.force,
          stopAfterEpoch: options.stopAfterEpoch,
          progress: options.quiet === true ? undefined : io.stderr,
          log,
          signal: io.signal,
          profile: options.profile,
        });
        if (options.json === true) {
          writeJson(io, result);
        } else {
          const out = (line: string) => io.stdout.write(`${line}\n`);
          out(`run:     ${result.runDir}`);
          out(`data:    ${result.data}`);
          out(`model:   ${result.model} (${result.backend} backend, ${formatThreads(result.threads)})`);
          if (result.test !== undefined) out(`test:    ${formatLogs(result.test)}`);
          out(`time:    ${result.seconds.toFixed(1)}s`);
          if (result.profile !== undefined) out(result.profile.table);
          if (result.status === "completed" || result.status === "stopped") {
            out(
              `saved:   ${join(result.runDir, RUN_FILES.model)}  report: ${join(result.runDir, RUN_FILES.report)}`,
            );
          }
        }
        if (result.status === "failed") {
          const kept = hasCheckpoint(result.runDir)
            ? `the last good checkpoint in ${join(result.runDir, RUN_FILES.checkpoints)} is kept`
            : "no checkpoint had been written yet";
          throw new TrainerError(
            `${result.reason ?? "training failed"}; ${kept} (lower --lr or check the data)`,
          );
        }
        if (result.status === "interrupted") {
          log(`${result.reason}; continue with: backprop train --resume ${result.runDir}`);
          if (io.signal?.aborted === true) exit(EXIT.interrupted);
        }
      },
    );
  return command;
}

function evaluate(io: CliIO): Command {
  const command = new Command("eval")
    .description("evaluate a trained model (a run directory or a model directory) on a dataset split")
    .argument("<model>", "run directory or model directory")
    .addHelpText(
      "after",
      `
Without --dataset, a run directory is evaluated on the test split of the dataset it was trained on.

Examples:
  backprop eval runs/my-run
  backprop eval runs/my-run/model --dataset fashion-mnist --split test --json`,
    );
  addDataOptions(command);
  command
    .addOption(
      new Option("--split <split>", "the split to evaluate")
        .choices(["test", "validation", "train"])
        .default("test"),
    )
    .addOption(
      new Option("--backend <name>", "compute backend (default: the backend the run trained on)").choices(
        BACKENDS,
      ),
    )
    .option("-b, --batch-size <n>", "batch size (default 1024)", parse.positive)
    .option("--json", "print the metrics as JSON on stdout")
    .action(
      async (
        model: string,
        options: { split: string; batchSize?: number; backend?: string; json?: boolean },
      ) => {
        const result = await runEvaluate(model, command, options);
        if (options.json === true) writeJson(io, result);
        else {
          io.stdout.write(
            `${result.split} (${result.samples.toLocaleString("en-US")} samples): ${formatLogs(relabel(result.metrics, { loss: result.lossName }))}\n`,
          );
          if (result.classes !== undefined) io.stdout.write(`${formatClassTable(result.classes)}\n`);
        }
      },
    );
  return command;
}

function predict(io: CliIO): Command {
  return new Command("predict")
    .description("predict with a trained model: CSV of features in, CSV of predictions out")
    .argument("<model>", "run directory or model directory")
    .requiredOption("-i, --input <csv>", "CSV file with a header row and the model's feature columns")
    .option("-o, --output <csv>", "write the predictions here (default: stdout)")
    .addOption(
      new Option("--backend <name>", "compute backend (default: the backend the run trained on)").choices(
        BACKENDS,
      ),
    )
    .option("--json", "print the predictions as JSON on stdout")
    .addHelpText(
      "after",
      `
The output has a "prediction" column and one probability column per class (classification), or one
column per target (regression). The model's saved scaling is applied to the inputs first.

Example:
  backprop predict runs/my-run --input new.csv --output predictions.csv`,
    )
    .action(
      async (
        model: string,
        options: { input: string; output?: string; backend?: string; json?: boolean },
      ) => {
        const text = await readFile(options.input, "utf8").catch((error: unknown) => {
          throw new TrainerError(`cannot read the input ${options.input}: ${describeError(error)}`);
        });
        const { rows, csv } = await runPredict(model, text, options.input, options);
        if (options.output !== undefined) await writeFileAtomic(resolve(options.output), csv);
        if (options.json === true) writeJson(io, { predictions: rows });
        else if (options.output === undefined) io.stdout.write(csv);
        else io.stderr.write(`wrote ${rows.length} predictions to ${options.output}\n`);
      },
    );
}

function summaryCommand(io: CliIO): Command {
  const command = new Command("summary")
    .description(
      "print the layers, output shapes and parameter counts of a trained model or of the configured network",
    )
    .argument(
      "[model]",
      "run directory or model directory (default: the network the flags / --config describe)",
    )
    .option("-c, --config <file>", "read settings from a JSON file (flags override it)")
    .option("--json", "print the summary as JSON on stdout");
  addDataOptions(command);
  addModelOptions(command);
  command.action(async (model: string | undefined, options: { json?: boolean }) => {
    const result = await runSummary(model, command);
    if (options.json === true) writeJson(io, result);
    else io.stdout.write(`${result.table}\n`);
  });
  return command;
}

function gradcheck(io: CliIO): Command {
  const command = new Command("gradcheck")
    .description("check the configured network's backpropagation against finite differences (float64)")
    .option("-c, --config <file>", "read settings from a JSON file (flags override it)")
    .option("--batch <n>", "random input rows", parse.positive, 4)
    .option("--elements <n>", "elements checked per tensor (0 checks every element)", parse.integer, 20)
    .option("--json", "print the reports as JSON on stdout")
    .addHelpText(
      "after",
      `
Builds the network the flags / --config describe in float64, feeds it random inputs and compares the
gradients backward() computes (δ^(l-1) = h'(a^(l-1)) ⊙ (W^(l-1))ᵀ δ^(l), ∂E/∂W^(l-1) = δ^(l) z^(l-1)ᵀ)
with centred differences (eps 1e-6, atol 1e-5, rtol 1e-3), then does the same for the loss.
Exits with 1 if any gradient is wrong.

Example:
  backprop gradcheck --hidden 64,32 --activation tanh`,
    );
  addDataOptions(command);
  addModelOptions(command);
  command.action(async (options: { batch: number; elements: number; json?: boolean }) => {
    const result = await runGradcheck(command, options);
    if (options.json === true) writeJson(io, result);
    else io.stdout.write(`${result.text}\n`);
    if (!result.ok)
      throw new TrainerError(
        "gradcheck failed: the analytic gradients differ from finite differences (see the report above)",
      );
  });
  return command;
}

/** The `backprop` program (a fresh commander tree per call: no shared state between runs). */
export function createProgram(io: CliIO, exit: (code: number) => void): Command {
  const program = new Command("backprop")
    .description("Train, evaluate and use multilayer perceptrons trained by backpropagation.")
    .version("0.0.0", "-V, --version")
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();
  const commands = [train(io, exit), evaluate(io), predict(io), summaryCommand(io), gradcheck(io)];
  for (const command of [...commands, lrFindCommand(io), configCommand(io), compareCommand(io)]) {
    program.addCommand(
      command
        .showHelpAfterError(`(run backprop ${command.name()} --help for usage)`)
        .configureOutput({
          writeOut: (text) => io.stdout.write(text),
          writeErr: (text) => io.stderr.write(text),
        })
        .exitOverride(),
    );
  }
  return program;
}

/** Commands users reach for that go by another name here, with what to type instead. */
const MISNAMED_COMMANDS: Readonly<Record<string, (rest: readonly string[]) => string>> = {
  evaluate: (rest) => `backprop eval ${rest.join(" ")}`.trim(),
  resume: (rest) => `backprop train --resume ${rest[0] ?? "<run-dir>"}`,
  fit: (rest) => `backprop train ${rest.join(" ")}`.trim(),
};

/**
 * A library error's message as the CLI prints it: without the leading name of the function that
 * threw it (`parseCsv: data.csv, line 3: …` → `data.csv, line 3: …`), which means nothing to a
 * CLI user.
 */
export function userMessage(error: Error): string {
  return error.message.replace(/^(?:[a-z]+[A-Z]\w*|[A-Z]\w*|\w+\.\w+|fit|evaluate|predict): /, "");
}

/**
 * Runs the CLI on `argv` (without `node` and the script path) and returns the exit code. User errors
 * are printed as one line on stderr; anything else is a bug, printed with its stack.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  // The fused multiply-add kernels where the runtime has them (the run header names the build).
  enableRelaxedSimd();
  const first = argv[0] ?? "";
  const misnamed = Object.hasOwn(MISNAMED_COMMANDS, first) ? MISNAMED_COMMANDS[first] : undefined;
  if (misnamed !== undefined) {
    io.stderr.write(`error: unknown command '${argv[0]}'; did you mean: ${misnamed(argv.slice(1))}\n`);
    return EXIT.usage;
  }
  let code: number = EXIT.ok;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (USER_ERRORS.some((type) => error instanceof type)) {
      io.stderr.write(`error: ${userMessage(error as Error)}\n`);
      return error instanceof UsageError ? EXIT.usage : EXIT.error;
    }
    io.stderr.write(
      `internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.internal;
  }
}
