import { readFile, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describeError, TrainerError } from "./errors.js";

/** The lock file of a run directory a trainer is writing: `{ pid, hostname, started }`. */
export const RUN_LOCK_FILE = ".lock";

interface LockOwner {
  pid: number;
  hostname: string;
  started: string;
}

/** Whether process `pid` exists on this machine (EPERM: it exists, owned by another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, "utf8")) as Partial<LockOwner>;
    if (Number.isSafeInteger(owner.pid) && typeof owner.hostname === "string")
      return { pid: owner.pid!, hostname: owner.hostname, started: String(owner.started) };
  } catch {
    // unreadable or half-written: treated as stale below
  }
  return undefined;
}

/** Whether a lock is held: by a live process here, or by any process on another host (unverifiable from here). */
function held(holder: LockOwner | undefined): boolean {
  return holder !== undefined && (holder.hostname !== hostname() || processAlive(holder.pid));
}

function inUse(runDir: string, path: string, holder: LockOwner): TrainerError {
  return new TrainerError(
    `the run directory ${runDir} is in use by another trainer (pid ${holder.pid} on ${holder.hostname}, since ${holder.started}); wait for it to finish, or delete ${path} if that process is gone`,
  );
}

/** A held lock; `release()` removes the lock file (once). */
export interface RunLock {
  release(): Promise<void>;
}

/**
 * Takes the lock of a run directory, so two trainers never write one run: creates `<run>/.lock`
 * exclusively (O_EXCL) with this process's pid. A lock held by a live process refuses with a
 * TrainerError naming it; a stale one (its process gone, or unreadable) is replaced and `log` told.
 * A lock from another host is respected: its process cannot be checked from here.
 */
export async function acquireRunLock(
  runDir: string,
  log: (message: string) => void = () => undefined,
): Promise<RunLock> {
  const path = join(runDir, RUN_LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, `${JSON.stringify(owner)}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) {
        throw new TrainerError(`cannot lock the run directory ${runDir} (${path}): ${describeError(error)}`);
      }
    }
    const holder = await readOwner(path);
    if (held(holder)) throw inUse(runDir, path, holder!);
    log(`removed a stale lock ${path}${holder === undefined ? "" : ` (pid ${holder.pid} is gone)`}`);
    await unlink(path).catch(() => undefined);
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await unlink(path).catch(() => undefined);
    },
  };
}

/**
 * Refuses when a live trainer holds the lock of `runDir` (before `--force` would delete a directory
 * another process is writing); a missing or stale lock passes.
 */
export async function checkNotLocked(runDir: string): Promise<void> {
  const path = join(runDir, RUN_LOCK_FILE);
  const holder = await readOwner(path);
  if (held(holder)) throw inUse(runDir, path, holder!);
}
