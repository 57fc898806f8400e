import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

/**
 * The shared config, with relaxed SIMD switched on so the tests cover both kernel builds on Node 20,
 * and gc() exposed for the test that storages are freed when garbage-collected.
 */
export default mergeConfig(
  shared,
  defineConfig({ test: { execArgv: ["--experimental-wasm-relaxed-simd", "--expose-gc"] } }),
);
