import { defineConfig } from "tsup";
import { libraryBuild } from "../../tsup.shared.js";

export default defineConfig({
  ...libraryBuild({ index: "src/index.ts", node: "src/node.ts", mnist: "src/mnist.ts" }),
  // `import.meta.url` (used to find the shipped example CSVs) in the CommonJS build too.
  shims: true,
});
