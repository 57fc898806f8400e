import { statSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The directory the user started the command in: INIT_CWD when a package manager (pnpm, npm) set it
 * to a directory (it runs scripts in the package's own directory), else `cwd`.
 */
export function startDirectory(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const initCwd = env.INIT_CWD;
  if (initCwd === undefined || initCwd === "") return cwd;
  const dir = resolve(cwd, initCwd);
  try {
    return statSync(dir).isDirectory() ? dir : cwd;
  } catch {
    return cwd;
  }
}
