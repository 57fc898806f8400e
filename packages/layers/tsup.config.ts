import { defineConfig } from "tsup";
import { libraryBuild } from "../../tsup.shared.js";

// Two entries share their classes through a common chunk in both formats (splitting for CJS too),
// so `instanceof LayerError` holds between "@backprop/layers" and "@backprop/layers/node".
export default defineConfig({
  ...libraryBuild({ index: "src/index.ts", node: "src/node.ts" }),
  splitting: true,
});
