import { StateDictError } from "./errors.js";

/** A short JSON-ish picture of a value for an error message. */
function shown(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object" && value !== null) return `{ ${Object.keys(value).join(", ")} }`;
  return JSON.stringify(value) ?? String(value);
}

/**
 * The state `update()` was given, checked to be one this transformation's `init()` made (an object
 * with `keys`): another transformation's state fails here with a StateDictError naming both, not
 * with a TypeError deep inside the update.
 */
export function checkState<S>(op: string, state: unknown, keys: readonly string[]): S {
  const ok = typeof state === "object" && state !== null && keys.every((k) => Object.hasOwn(state, k));
  if (!ok) {
    throw new StateDictError(
      `${op}: update() was given a state that is not a ${op} state: expected { ${keys.join(", ")} }, got ${shown(state)}`,
    );
  }
  return state as S;
}

/** A chain's state: a list of `length` states, else a StateDictError naming `op`. */
export function checkStateList(op: string, state: unknown, length: number): unknown[] {
  if (!Array.isArray(state) || state.length !== length) {
    throw new StateDictError(
      `${op}: update() was given a state that is not a ${op} state: expected a list of ${length} states, got ${shown(state)}`,
    );
  }
  return state;
}
