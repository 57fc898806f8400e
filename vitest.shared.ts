import { defineConfig } from "vitest/config";

/** Tests resolve workspace packages to their TypeScript sources (no stale dist, no build step). */
export default defineConfig({
  ssr: { resolve: { conditions: ["@backprop/source"] } },
  resolve: { conditions: ["@backprop/source"] },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // CI is a shared 2-core machine running every package's suite at once: time out on hangs, not on load.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
