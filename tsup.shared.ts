import type { Options } from "tsup";

/** Every library builds the same way: ESM + CJS + .d.ts/.d.cts, for Node 20 and evergreen browsers. */
export function libraryBuild(entry: Record<string, string>): Options {
  return {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    treeshake: true,
  };
}
