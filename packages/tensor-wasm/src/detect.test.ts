import { afterEach, describe, expect, it, vi } from "vitest";
import { createWasmBackend } from "./backend.js";
import { WasmBackendError } from "./errors.js";
import { kernelBytes, wasmRelaxedSimdSupported, wasmSimdSupported } from "./kernels.js";

/** Makes WebAssembly.validate reject the relaxed build (a runtime without relaxed SIMD), or every build. */
function withoutSupport(what: "relaxed" | "all"): void {
  const relaxed = kernelBytes("relaxed");
  const validate = WebAssembly.validate.bind(WebAssembly);
  vi.spyOn(WebAssembly, "validate").mockImplementation((bytes) => {
    if (what === "all") return false;
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes as ArrayBuffer);
    const isRelaxed = view.length === relaxed.length && view.every((b, i) => b === relaxed[i]);
    return isRelaxed ? false : validate(bytes);
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("feature detection", () => {
  it("finds SIMD on Node 20, and relaxed SIMD under --experimental-wasm-relaxed-simd (vitest.config.ts)", async () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(wasmRelaxedSimdSupported()).toBe(true);
    expect((await createWasmBackend()).name).toBe("wasm-relaxed-simd");
    expect((await createWasmBackend({ relaxed: false })).name).toBe("wasm-simd");
  });

  it("falls back to plain SIMD when relaxed SIMD does not validate", async () => {
    withoutSupport("relaxed");
    expect(wasmSimdSupported()).toBe(true);
    expect(wasmRelaxedSimdSupported()).toBe(false);
    expect((await createWasmBackend()).name).toBe("wasm-simd");
    expect((await createWasmBackend({ relaxed: "auto" })).name).toBe("wasm-simd");
    await expect(createWasmBackend({ relaxed: true })).rejects.toThrow(/--experimental-wasm-relaxed-simd/);
  });

  it("says SIMD is unavailable when nothing validates", async () => {
    withoutSupport("all");
    expect(wasmSimdSupported()).toBe(false);
    await expect(createWasmBackend()).rejects.toThrow(WasmBackendError);
    await expect(createWasmBackend({ relaxed: false })).rejects.toThrow(
      /SIMD is not available.*use jsBackend/,
    );
  });

  it("gives every backend its own memory", async () => {
    const [a, b] = [await createWasmBackend(), await createWasmBackend()];
    const x = a.allocate("float32", 4);
    expect(() => b.reduce("sum", 0, 1, 4, x, 0, b.allocate("float32", 4))).toThrow(
      /not from this wasm backend/,
    );
  });
});
