import { defineConfig } from "tsup";
import { libraryBuild } from "../../tsup.shared.js";

export default defineConfig({
  ...libraryBuild({ index: "src/index.ts", node: "src/node.ts", mnist: "src/mnist.ts" }),
  // Shared code goes in shared chunks in both formats, so `DataError` is one class whichever entry
  // point threw it (`instanceof` holds across `@backprop/data` and `@backprop/data/node`).
  splitting: true,
  // `import.meta.url` (used to find the shipped example CSVs) in the CommonJS build too.
  shims: true,
});
