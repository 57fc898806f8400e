#!/usr/bin/env node
/**
 * The `backprop` command. During `backprop train`, Ctrl-C once stops training after the current
 * batch with a checkpoint (exit code 130; `backprop train --resume <run>` continues); twice exits at
 * once. Other commands keep Node's default Ctrl-C.
 */
import { fileURLToPath } from "node:url";
import { EXIT, runCli } from "./cli/program.js";
import { startDirectory } from "./start-directory.js";

// `pnpm start` and `pnpm exec` run the CLI in the package's directory; relative paths (./runs,
// --dataset csv:data.csv, --input) mean the directory the user started in, which pnpm and npm pass
// as INIT_CWD. This file is dist/cli.js (or src/cli.ts): the package's directory is its parent's.
process.chdir(startDirectory(process.env, process.cwd(), fileURLToPath(new URL("..", import.meta.url))));

const controller = new AbortController();
if (process.argv[2] === "train") {
  process.on("SIGINT", () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write("\nstopping after this batch (Ctrl-C again to quit now)…\n");
    controller.abort();
  });
}
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
process.exitCode = code;
