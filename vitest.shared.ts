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

/** The backends every suite of `backendProjects` runs on, one vitest project each. */
const BACKENDS = ["js", "wasm", "opaque"] as const;

/**
 * The shared config, run once per backend as vitest projects `js`, `wasm` and `opaque`
 * (`BACKPROP_TEST_BACKEND` names it), so a failure names the backend. A test asks
 * `projectBackend()` of @backprop/test-kit for that backend and creates its tensors, layers and
 * losses on it explicitly (the library keeps no "current backend", and neither does the harness).
 * `vitest run --project opaque` runs one of them.
 */
export const backendProjects = defineConfig({
  ...shared,
  test: {
    ...shared.test,
    projects: BACKENDS.map((name) => ({
      extends: true,
      test: { name, env: { BACKPROP_TEST_BACKEND: name } },
    })),
  },
});
