import { HyperparameterError } from "./errors.js";

/**
 * The optimal string alignment distance of a and b: insertions, deletions, substitutions and swaps of
 * two neighbouring characters each count 1 ("amsgard" is 1 from "amsgrad").
 */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The accepted key closest to `key` (case-insensitively), when it is close enough to be a typo. */
function closest(key: string, accepted: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of accepted) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * Refuses an options object with a key `op` does not know, so a typo never builds silently:
 * `adam: unknown option "amsgard" (did you mean "amsgrad"?); accepted: lr, betas, …`.
 * Keys whose value is undefined are ignored (`{ lr: undefined }` is "not given").
 */
export function checkOptionKeys(op: string, options: unknown, accepted: readonly string[]): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    const got = Array.isArray(options) ? "a list" : (JSON.stringify(options) ?? String(options));
    throw new HyperparameterError(`${op}: options must be an object, got ${got}`);
  }
  for (const key of Object.keys(options)) {
    if (accepted.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const guess = closest(key, accepted);
    throw new HyperparameterError(
      `${op}: unknown option ${JSON.stringify(key)}${guess === undefined ? "" : ` (did you mean ${JSON.stringify(guess)}?)`}; accepted: ${accepted.join(", ")}`,
    );
  }
}
