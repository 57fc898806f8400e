import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { runCli } from "../src/cli/program.js";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Node arguments that start the real `backprop` entry point from its TypeScript sources (tsx). */
export const CLI_NODE_ARGS: readonly string[] = ["--conditions=@backprop/source", "--import", TSX, CLI];

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `backprop ...args` in `cwd` as a child process and collects its exit code and output. The
 * INIT_CWD a package manager set for the test run is dropped (the CLI would start there), unless
 * `env` gives one.
 */
export function runBackprop(cwd: string, ...args: string[]): Promise<CliRun> {
  return runBackpropWith({}, cwd, ...args);
}

/** `runBackprop` with extra environment variables. */
export function runBackpropWith(
  env: Record<string, string>,
  cwd: string,
  ...args: string[]
): Promise<CliRun> {
  const { INIT_CWD: _dropped, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI_NODE_ARGS, ...args],
      { cwd, env: { ...inherited, NO_COLOR: "1", ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr }),
    );
  });
}

/** Runs `backprop ...args` in this process (no child, no tsx start-up), capturing its output. */
export async function runCliInProcess(...args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

/**
 * A directory of its own for the test file that calls this: made under the OS temp directory (named
 * `prefix` + random) before its tests, removed with everything in it after them; `path` while they run.
 */
export function useTempDir(prefix: string): { readonly path: string } {
  const dir = { path: "" };
  beforeAll(async () => {
    dir.path = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir.path, { recursive: true, force: true });
  });
  return dir;
}
