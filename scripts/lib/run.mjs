/** Running tools from the release scripts: output captured, a failure names the command and its output. */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Runs `cmd args` in `cwd` and returns its stdout. On a non-zero exit, throws an Error that names
 * the command (prefixed with `label`), the directory and everything it printed.
 */
export function run(label, cmd, args, cwd, env = process.env) {
  try {
    return execFileSync(cmd, args, {
      cwd,
      env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const out = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim();
    throw new Error(`${label}: \`${cmd.split("/").pop()} ${args.join(" ")}\` failed in ${cwd}\n${out}`);
  }
}

/** Like `run`, but returns what the command printed on stdout and stderr, interleaved as it printed them. */
export function runWithLog(label, cmd, args, cwd, env = process.env) {
  const result = spawnSync("sh", ["-c", '"$0" "$@" 2>&1', cmd, ...args], {
    cwd,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `${label}: \`${cmd.split("/").pop()} ${args.join(" ")}\` failed in ${cwd}\n${result.stdout.trim()}`,
    );
  }
  return result.stdout;
}

/** Parses a JSON file. */
export const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
