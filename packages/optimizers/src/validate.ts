import { HyperparameterError } from "./errors.js";

/*
 * Hyperparameter checks. Each throws a HyperparameterError naming the operation, the option, what was
 * expected and the value given, e.g. `adam: betas[1] must be in [0, 1), got 1`; each returns the value.
 */

function fail(op: string, name: string, expected: string, value: unknown): never {
  const shown = typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
  throw new HyperparameterError(`${op}: ${name} must be ${expected}, got ${shown}`);
}

/** A finite number > 0 (learning rates, factors). */
export function checkPositive(op: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    fail(op, name, "a finite number > 0", value);
  return value;
}

/** A finite number ≥ 0 (eps, weight decay, thresholds). */
export function checkNonNegative(op: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    fail(op, name, "a finite number ≥ 0", value);
  return value;
}

/** A number in [0, 1) (betas, momentum, decay rates), or [0, 1] when `closed`. */
export function checkUnitInterval(op: string, name: string, value: unknown, closed = false): number {
  const ok = typeof value === "number" && value >= 0 && (closed ? value <= 1 : value < 1);
  if (!ok) fail(op, name, closed ? "in [0, 1]" : "in [0, 1)", value);
  return value as number;
}

/** An integer ≥ `min` (step counts, patience). */
export function checkInteger(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min)
    fail(op, name, `an integer ≥ ${min}`, value);
  return value;
}

/** A boolean flag. */
export function checkBoolean(op: string, name: string, value: unknown): boolean {
  if (typeof value !== "boolean") fail(op, name, "true or false", value);
  return value;
}

/** One of a few strings. */
export function checkOneOf<T extends string | number>(
  op: string,
  name: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (!choices.includes(value as T))
    fail(op, name, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, value);
  return value as T;
}

/** A pair (β1, β2), each in [0, 1). */
export function checkBetas(op: string, value: unknown): readonly [number, number] {
  if (!Array.isArray(value) || value.length !== 2) fail(op, "betas", "a pair [β1, β2]", value);
  return [checkUnitInterval(op, "betas[0]", value[0]), checkUnitInterval(op, "betas[1]", value[1])];
}
