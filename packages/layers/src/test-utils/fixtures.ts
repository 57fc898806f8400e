import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of a file in packages/layers/fixtures. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
}

/** A JSON fixture, parsed. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), "utf8")) as T;
}

/** |a − b| / max(|a|, |b|), 0 when both are 0. */
export function relativeError(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}
