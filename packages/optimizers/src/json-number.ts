import { StateDictError } from "./errors.js";

/**
 * A number as JSON, losslessly: finite numbers as themselves (JSON's shortest round-trip form, exact for
 * every float64 and so for every float32), and the values JSON cannot hold as strings: "NaN",
 * "Infinity", "-Infinity" and "-0".
 */
export function encodeNumber(x: number): number | string {
  if (Number.isFinite(x)) return Object.is(x, -0) ? "-0" : x;
  return Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
}

/** The inverse of `encodeNumber`; `where` names the value in the error. */
export function decodeNumber(value: unknown, where: string): number {
  if (typeof value === "number") return value;
  switch (value) {
    case "NaN":
      return Number.NaN;
    case "Infinity":
      return Number.POSITIVE_INFINITY;
    case "-Infinity":
      return Number.NEGATIVE_INFINITY;
    case "-0":
      return -0;
  }
  throw new StateDictError(
    `${where}: expected a number (or "NaN", "Infinity", "-Infinity", "-0"), got ${JSON.stringify(value)}`,
  );
}
