import { statSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The directory the user started the command in. A package manager running one of this package's
 * scripts (`pnpm start`, `pnpm --filter @backprop/trainer …`) runs it in `packageDir` and passes the
 * user's directory as INIT_CWD: then that directory, if it is one. Anywhere else (a user's shell, a
 * program that spawned the CLI in a directory of its choosing) it is `cwd`, whatever INIT_CWD a
 * parent process left in the environment.
 */
export function startDirectory(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  packageDir: string,
): string {
  const initCwd = env.INIT_CWD;
  if (initCwd === undefined || initCwd === "" || resolve(cwd) !== resolve(packageDir)) return cwd;
  const dir = resolve(cwd, initCwd);
  try {
    return statSync(dir).isDirectory() ? dir : cwd;
  } catch {
    return cwd;
  }
}
