import { Command } from "commander";
import type { ProgressStream } from "../progress.js";
import { addDataOptions, addModelOptions, addTrainOptions, configFromCommand } from "./options.js";

/**
 * `backprop config print`: the configuration `train` would run with the same flags and `--config`
 * file (every default filled in), as JSON: a recipe to save and pass to `train --config`. Epochs and
 * batch size, unless given, are planned from the data when training starts, so they are absent here.
 */
export function configCommand(io: { stdout: ProgressStream; stderr: ProgressStream }): Command {
  const print = new Command("print")
    .description("print the resolved training configuration (defaults, --config file, flags) as JSON")
    .showHelpAfterError("(run backprop config print --help for usage)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();
  addDataOptions(print);
  addModelOptions(print);
  addTrainOptions(print);
  print.addHelpText(
    "after",
    `
Examples:
  backprop config print --dataset spiral --hidden 32,32 > recipe.json
  backprop config print --config runs/my-run/config.json --lr 0.01`,
  );
  print.action(async () => {
    const config = await configFromCommand(print);
    io.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
  });
  return new Command("config").description("work with training configurations").addCommand(print);
}
