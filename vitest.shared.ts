import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** Tests resolve workspace packages to their TypeScript sources (no stale dist, no build step). */
const shared = defineConfig({
  ssr: { resolve: { conditions: ["@backprop/source"] } },
  resolve: { conditions: ["@backprop/source"] },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // CI is a shared 2-core machine running every package's suite at once: time out on hangs, not on load.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

export default shared;

/**
 * The shared config, run twice as two vitest projects: `js` (tensors made without a `backend` option
 * are on `jsBackend`, as in the library) and `wasm` (packages/test-kit/src/wasm-backend.ts puts them on
 * a one-thread WebAssembly SIMD backend), so a failure names the backend; `BACKPROP_TEST_BACKEND` says
 * which. `vitest run --project wasm` runs one of them.
 */
export const backendProjects = defineConfig({
  ...shared,
  test: {
    ...shared.test,
    projects: [
      { extends: true, test: { name: "js", env: { BACKPROP_TEST_BACKEND: "js" } } },
      {
        extends: true,
        test: {
          name: "wasm",
          env: { BACKPROP_TEST_BACKEND: "wasm" },
          setupFiles: [fileURLToPath(new URL("./packages/test-kit/src/wasm-backend.ts", import.meta.url))],
        },
      },
    ],
  },
});
