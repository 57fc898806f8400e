import { Command } from "commander";
import { UsageError } from "../errors.js";
import { runLrFind } from "../lr-find.js";
import type { ProgressStream } from "../progress.js";
import { addDataOptions, addModelOptions, addTrainOptions, configFromCommand, parse } from "./options.js";

/** `backprop lr-find`: fastai's learning-rate range test on the configured network and data. */
export function lrFindCommand(io: { stdout: ProgressStream }): Command {
  const command = new Command("lr-find").description(
    "learning-rate range test (fastai's lr_find): an exponential sweep of the rate, the smoothed loss, a suggestion and a plot",
  );
  addDataOptions(command);
  addModelOptions(command);
  addTrainOptions(command);
  command
    .option("--start-lr <rate>", "first rate of the sweep", parse.number, 1e-7)
    .option("--end-lr <rate>", "last rate of the sweep", parse.number, 10)
    .option("--steps <n>", "steps of the sweep", parse.positive, 100)
    .option("--output <file>", "the page with the plot", "lr-find.html")
    .option("--json", "print the result as JSON on stdout")
    .addHelpText(
      "after",
      `
Trains a fresh network for up to --steps batches with the rate growing from --start-lr to --end-lr
(η_i = start·(end/start)^(i/(n−1))), records the smoothed loss (β = 0.98), stops once it exceeds 4×
its best, and suggests the rate of its steepest descent (and the minimum's rate / 10). Nothing is
saved but the page. Then: backprop train --lr <suggestion> (same flags).

Example:
  backprop lr-find --dataset spiral --hidden 32,32 --optimizer sgd`,
    )
    .action(
      async (options: { startLr: number; endLr: number; steps: number; output: string; json?: boolean }) => {
        if (!(options.startLr > 0 && options.endLr > options.startLr))
          throw new UsageError(
            `--start-lr and --end-lr must be positive with --start-lr < --end-lr, got ${options.startLr} and ${options.endLr}`,
          );
        const config = await configFromCommand(command);
        const result = await runLrFind(config, options);
        if (options.json === true) {
          io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const lr = (v: number | undefined) => (v === undefined ? "none" : v.toExponential(1));
        io.stdout.write(
          `suggested lr: ${lr(result.steepest)} (steepest descent), ${lr(result.minimumOver10)} (minimum / 10)\n` +
            `${result.lrs.length} steps${result.diverged ? ", stopped when the loss diverged" : ""}; plot: ${result.page}\n`,
        );
      },
    );
  return command;
}
