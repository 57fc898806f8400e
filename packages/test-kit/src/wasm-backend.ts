/**
 * Setup file of the `wasm` test project (see `backendProjects` in the repository's vitest.shared.ts).
 * The library has no global "current backend" (DESIGN.md), so the test harness supplies one: in
 * every test file of this project, `@backprop/tensor`'s creators (`zeros`, `fromArray`, `tensor`,
 * `randomNormal`, …) are replaced by ones that put a tensor made without a `backend` option on a
 * WebAssembly SIMD backend. Layers, losses and optimizers import them from the package, so their
 * weights, buffers and state land there too: float32 runs the SIMD kernels, float64 the JS kernels
 * on views of wasm memory. Plain SIMD (relaxed FMA may differ between engines) and one thread.
 */
import type { Backend, CreateOptions } from "@backprop/tensor";
import { vi } from "vitest";

/** Filled in below, once tensor-wasm (which itself imports @backprop/tensor) has loaded. */
const project = vi.hoisted(() => ({ backend: undefined as Backend | undefined }));

vi.mock("@backprop/tensor", async (importOriginal) => {
  const tensor = await importOriginal<typeof import("@backprop/tensor")>();
  /** `options` with the project's backend where it names none. */
  const placed = <O extends CreateOptions>(options: O | undefined): O =>
    ({ ...options, backend: options?.backend ?? project.backend }) as O;
  return {
    ...tensor,
    zeros: (shape: readonly number[], options?: CreateOptions) => tensor.zeros(shape, placed(options)),
    ones: (shape: readonly number[], options?: CreateOptions) => tensor.ones(shape, placed(options)),
    full: (shape: readonly number[], value: number, options?: CreateOptions) =>
      tensor.full(shape, value, placed(options)),
    fromArray: (...[data, shape, options]: Parameters<typeof tensor.fromArray>) =>
      tensor.fromArray(data, shape, placed(options)),
    tensor: (...[values, options]: Parameters<typeof tensor.tensor>) =>
      tensor.tensor(values, placed(options)),
    randomUniform: (...[shape, rng, options]: Parameters<typeof tensor.randomUniform>) =>
      tensor.randomUniform(shape, rng, placed(options)),
    randomNormal: (...[shape, rng, options]: Parameters<typeof tensor.randomNormal>) =>
      tensor.randomNormal(shape, rng, placed(options)),
  } satisfies typeof tensor;
});

const { createWasmBackend } = await import("@backprop/tensor-wasm");
project.backend = await createWasmBackend({ relaxed: false, threads: 1 });
