import { defineConfig } from "vite";

/**
 * A static site: relative asset paths (`base: "./"`), so dist/ works from any folder of any static
 * server (GitHub Pages' /<repo>/ included). The workspace packages are bundled from their
 * TypeScript sources (the `@backprop/source` export condition), so a build needs no prior package build.
 */
export default defineConfig({
  base: "./",
  resolve: { conditions: ["@backprop/source"] },
  worker: { format: "es" },
  build: { target: "es2022", sourcemap: true, chunkSizeWarningLimit: 1500 },
});
