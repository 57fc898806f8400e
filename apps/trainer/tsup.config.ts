import { defineConfig } from "tsup";
import { libraryBuild } from "../../tsup.shared.js";

export default defineConfig([
  // The programmatic API, like every package: ESM + CJS + types (shims give the CJS build import.meta.url).
  { ...libraryBuild({ index: "src/index.ts" }), shims: true },
  // The `backprop` bin: one ESM file; tsup keeps its shebang and makes it executable.
  {
    entry: { cli: "src/cli.ts" },
    format: ["esm"],
    target: "es2022",
    sourcemap: true,
    clean: false,
    dts: false,
  },
]);
