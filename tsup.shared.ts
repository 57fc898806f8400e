import type { Options } from "tsup";

/**
 * Every library builds the same way: ESM + CJS + .d.ts/.d.cts, for Node 20 and evergreen browsers.
 * Code splitting is on for CJS too, so entry points of one package share their classes through a
 * common chunk (`instanceof` holds across `pkg` and `pkg/node`) and a dynamic `import()` of a
 * Node-only module stays lazy instead of becoming a top-level `require`.
 */
export function libraryBuild(entry: Record<string, string>): Options {
  return {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    treeshake: true,
    splitting: true,
  };
}
