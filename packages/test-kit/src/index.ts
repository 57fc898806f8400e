import {
  type Backend,
  type CreateOptions,
  createJsBackend,
  fromArray,
  full,
  jsBackend,
  ones,
  type Rng,
  randomNormal,
  randomUniform,
  tensor,
  zeros,
} from "@backprop/tensor";
import { expect } from "vitest";

/** An integer from the environment variable `name` (≥ min), or `fallback` when unset. */
export function envInteger(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * The parameters of every fuzz test: 300 seeded runs per property in the normal test run;
 * `FUZZ_RUNS` sets the count (each package's `fuzz` script, run by the root `pnpm fuzz`, uses
 * 10,000) and `FUZZ_SEED` the seed (a failure prints the seed that reproduces it).
 */
export function fuzzParameters(): { seed: number; numRuns: number } {
  return { seed: envInteger("FUZZ_SEED", 20240601, 0), numRuns: envInteger("FUZZ_RUNS", 300, 1) };
}

/**
 * max_i |a_i − b_i| / max_i |b_i|: the error relative to the scale of the expected values (0 when
 * equal, ∞ when the lengths differ). What the cross-backend and PyTorch-fixture tests bound: an
 * element near zero may differ in the last bits of the O(1) terms it came from without failing.
 */
export function normwiseError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff === 0 ? 0 : diff / scale;
}

/** The test projects of `backendProjects` (vitest.shared.ts), by `BACKPROP_TEST_BACKEND`. */
export type ProjectBackendName = "js" | "wasm" | "opaque";

/** The running project's backend name: `BACKPROP_TEST_BACKEND`, "js" when unset. */
export function projectBackendName(): ProjectBackendName {
  const name = process.env.BACKPROP_TEST_BACKEND ?? "js";
  if (name !== "js" && name !== "wasm" && name !== "opaque") {
    throw new Error(`BACKPROP_TEST_BACKEND must be js, wasm or opaque, got ${JSON.stringify(name)}`);
  }
  return name;
}

let cached: Promise<Backend> | undefined;

/**
 * The backend the running test project stands for: `jsBackend` (js), a one-thread, non-relaxed
 * WebAssembly SIMD backend (wasm: relaxed FMA may differ between engines), or the opaque test
 * backend of @backprop/tensor/testing (opaque: its storages have no `data`, so a test or a library
 * path that touches `.data` fails there). One per test file's module graph; tests create their
 * tensors, layers and losses on it explicitly: `const backend = await projectBackend();`.
 */
export function projectBackend(): Promise<Backend> {
  cached ??= createProjectBackend(projectBackendName());
  return cached;
}

async function createProjectBackend(name: ProjectBackendName): Promise<Backend> {
  switch (name) {
    case "js":
      return jsBackend;
    case "wasm": {
      const { createWasmBackend } = await import("@backprop/tensor-wasm");
      return createWasmBackend({ relaxed: false, threads: 1 });
    }
    case "opaque": {
      const { createOpaqueBackend } = await import("@backprop/tensor/testing");
      return createOpaqueBackend();
    }
  }
}

/** The @backprop/tensor creators with `backend` as the default placement (an explicit one still wins). */
export interface Creators {
  zeros: typeof zeros;
  ones: typeof ones;
  full: typeof full;
  fromArray: typeof fromArray;
  tensor: typeof tensor;
  randomNormal: typeof randomNormal;
  randomUniform: typeof randomUniform;
}

/** `const { tensor, zeros } = onBackend(backend)`: tensors a test makes land on `backend`. */
export function onBackend(backend: Backend): Creators {
  const placed = <O extends CreateOptions>(options: O | undefined): O =>
    ({ ...options, backend: options?.backend ?? backend }) as O;
  return {
    zeros: (shape, options) => zeros(shape, placed(options)),
    ones: (shape, options) => ones(shape, placed(options)),
    full: (shape, value, options) => full(shape, value, placed(options)),
    fromArray: (data, shape, options) => fromArray(data, shape, placed(options)),
    tensor: (values, options) => tensor(values, placed(options)),
    randomNormal: (shape, rng, options) => randomNormal(shape, rng, placed(options)),
    randomUniform: (shape, rng, options) => randomUniform(shape, rng, placed(options)),
  };
}

/** The names a project's backend reports: the wasm backend's build name, the opaque backend's. */
const BACKEND_NAMES: Record<ProjectBackendName, RegExp> = {
  js: /^js$/,
  wasm: /^wasm-simd$/,
  opaque: /^opaque$/,
};

/**
 * Asserts that `backend` (say, a Dense layer's weights' backend) is the one the running test project
 * stands for, so a suite that silently stopped placing its tensors on the project's backend fails.
 */
export function expectProjectBackend(backend: Backend): void {
  const project = projectBackendName();
  expect(backend.name, `the ${project} test project`).toMatch(BACKEND_NAMES[project]);
}

/** A JS backend that counts the bytes its tensors are given, to show what a reader allocates. */
export function countingBackend(): { backend: Backend; allocatedBytes: () => number } {
  const base = createJsBackend();
  let bytes = 0;
  const backend: Backend = {
    ...base,
    allocate(dtype, length) {
      bytes += length * (dtype === "float64" ? 8 : 4);
      return base.allocate(dtype, length);
    },
  };
  return { backend, allocatedBytes: () => bytes };
}

/**
 * The own properties (name and value or getter) of the prototypes a pollution attack writes to:
 * Object.prototype, Array.prototype and Function.prototype.
 */
export function prototypeSnapshot(): [string, unknown][][] {
  return [Object.prototype, Array.prototype, Function.prototype].map((prototype) =>
    Object.entries(Object.getOwnPropertyDescriptors(prototype)).map(([name, d]) => [name, d.value ?? d.get]),
  );
}

/** Asserts that no prototype gained, lost or changed a property since `before` was taken. */
export function expectPrototypesUnchanged(before: [string, unknown][][]): void {
  expect(prototypeSnapshot()).toEqual(before);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values a forged file puts anywhere: edges of the number ranges, wrong types, prototype-keyed objects. */
function forgedValue(rng: Rng): Json {
  const pick = <T>(options: readonly T[]): T => options[rng.int(options.length)]!;
  switch (rng.int(8)) {
    case 0:
      return pick([-1, 0, 0.5, 1, 2, 3, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 60, -(2 ** 53)]);
    case 1:
      return pick(["NaN", "Infinity", "-0", "", "x", "epoch-0002.safetensors", "../../etc/passwd", "/abs"]);
    case 2:
      return pick([null, true, false]);
    case 3:
      return [];
    case 4:
      return {};
    case 5:
      return Array.from({ length: rng.int(5) }, () => rng.int(10));
    case 6:
      return withKey({}, pick(["__proto__", "constructor", "prototype"]), { polluted: true });
    default:
      return rng.uniformIn(-10, 10);
  }
}

/** `object` with an own property `key` (even "__proto__"), as JSON.parse would make it. */
function withKey(object: { [key: string]: Json }, key: string, value: Json): { [key: string]: Json } {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

/** Every container in a JSON tree with its keys, to pick mutation sites from. */
function containers(root: Json): { [key: string]: Json }[] {
  const out: { [key: string]: Json }[] = [];
  const pending: Json[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== "object" || node === null) continue;
    out.push(node as { [key: string]: Json });
    for (const child of Object.values(node)) pending.push(child);
  }
  return out;
}

/**
 * 1–3 structural edits of a JSON text, drawn from `rng` (for fuzzing readers of JSON state without
 * fast-check's arbitraries): replace a value with a forged one, delete or add a key (prototype keys
 * included, as own keys, as JSON.parse makes them), or resize a list.
 */
export function mutateJson(text: string, rng: Rng): string {
  const root = JSON.parse(text) as Json;
  for (let edits = 1 + rng.int(3); edits > 0; edits--) {
    const all = containers(root);
    const node = all[rng.int(all.length)]!;
    const keys = Object.keys(node);
    const key = keys.length > 0 ? keys[rng.int(keys.length)]! : "0";
    switch (rng.int(5)) {
      case 0:
      case 1:
        node[key] = forgedValue(rng);
        break;
      case 2:
        if (Array.isArray(node)) node.pop();
        else delete node[key];
        break;
      case 3:
        if (Array.isArray(node)) node.push(forgedValue(rng));
        else withKey(node, ["__proto__", "constructor", "prototype", "extra"][rng.int(4)]!, forgedValue(rng));
        break;
      default:
        if (Array.isArray(node)) node.splice(0, node.length, ...node.slice(0, rng.int(node.length + 1)));
        else node[key] = JSON.parse(JSON.stringify(node[key] ?? null)) as Json;
    }
  }
  return JSON.stringify(root);
}
