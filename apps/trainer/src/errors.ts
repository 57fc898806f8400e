/**
 * A problem the user can fix (a bad option or config value, a missing or malformed file, a run
 * directory that already exists). The CLI prints its message as one sentence on stderr, without a
 * stack trace, and exits with a non-zero code.
 */
export class TrainerError extends Error {
  override name = "TrainerError";
}

/**
 * A command line the CLI cannot run as given: a flag's value out of range, a flag missing or given
 * where it does not apply. The CLI exits with 2 (usage) instead of 1.
 */
export class UsageError extends TrainerError {
  override name = "UsageError";
}

/** The message of anything thrown, for wrapping it in a clearer error. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
