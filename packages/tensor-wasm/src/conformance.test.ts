import { checkBackend } from "@backprop/tensor/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWasmBackend, type WasmBackend } from "./backend.js";
import { wasmRelaxedSimdSupported } from "./kernels.js";

/** Every build this runtime runs (the vitest config enables relaxed SIMD), on one and on two threads. */
let backends: WasmBackend[];
beforeAll(async () => {
  backends = [];
  for (const relaxed of wasmRelaxedSimdSupported() ? [false, true] : [false]) {
    for (const threads of [1, 2]) backends.push(await createWasmBackend({ relaxed, threads }));
  }
}, 60_000);
afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.close()));
});

describe("the backend conformance kit of @backprop/tensor/testing", () => {
  it("passes on every build, on one thread and on two (float32 and float64, every primitive and opcode)", {
    timeout: 120_000,
  }, () => {
    expect(backends.length).toBe(wasmRelaxedSimdSupported() ? 4 : 2);
    for (const backend of backends) {
      const report = checkBackend(backend);
      expect(report.checks.length, `${backend.name}×${backend.threads}`).toBeGreaterThan(500);
      expect(report.checks.every((check) => check.passed)).toBe(true);
    }
  });
});
