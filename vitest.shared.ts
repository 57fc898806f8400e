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
export const backendProjects = backendProjectsFor();

/**
 * `backendProjects` where only the files `suites` (globs) take their backend from the project: the
 * js project runs every file, wasm and opaque run `suites` alone (for a package whose other tests
 * run child processes that choose their own backend). Without `suites`, every file on every backend.
 */
export function backendProjectsFor(suites?: readonly string[]) {
  return defineConfig({
    ...shared,
    test: {
      ...shared.test,
      // Each project is the whole shared config (not `extends`, which would add `include` to the
      // shared globs instead of replacing them).
      projects: BACKENDS.map((name) => ({
        ...shared,
        test: {
          ...shared.test,
          name,
          env: { BACKPROP_TEST_BACKEND: name },
          ...(name === "js" || suites === undefined ? {} : { include: [...suites] }),
        },
      })),
    },
  });
}
