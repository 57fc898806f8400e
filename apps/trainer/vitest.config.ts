import { backendProjectsFor } from "../../vitest.shared.js";

/**
 * Every suite on the JS backend; the in-process `Trainer` suites (fit and callbacks, the divergence
 * guard) also on the wasm and the opaque-storage backends. (The CLI suites run `backprop` in child
 * processes, which choose their backend by `--backend`; test/opaque-backend.test.ts runs a whole
 * CLI-configured run on the opaque backend in process.)
 */
export default backendProjectsFor(["src/trainer.test.ts", "test/divergence.test.ts"]);
