import { Command } from "commander";
import { runCompare } from "../compare.js";
import type { ProgressStream } from "../progress.js";

/** `backprop compare <run> <run> …`: one HTML page, the runs' curves overlaid, their final metrics side by side. */
export function compareCommand(io: { stdout: ProgressStream }): Command {
  return new Command("compare")
    .description("write one HTML page comparing runs: their curves overlaid, final metrics side by side")
    .argument("<runs...>", "two or more run directories")
    .option("-o, --output <file>", "the page to write", "compare.html")
    .addHelpText(
      "after",
      `
Example:
  backprop compare runs/adam runs/sgd runs/sgd-momentum -o optimizers.html`,
    )
    .action(async (runs: string[], options: { output: string }) => {
      const file = await runCompare(runs, options.output);
      io.stdout.write(`${file}\n`);
    });
}
