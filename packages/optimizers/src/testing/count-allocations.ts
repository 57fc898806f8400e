const CONSTRUCTORS = [
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Float32Array",
  "Float64Array",
  "Int8Array",
  "Int16Array",
  "Int32Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Uint16Array",
  "Uint32Array",
  "BigInt64Array",
  "BigUint64Array",
] as const;

const METHODS = ["slice", "subarray", "map", "filter"] as const;

/**
 * Runs `run` synchronously and counts the typed arrays and array buffers it creates, by temporarily
 * replacing the global constructors (`new Float64Array(n)`, …) with counting proxies and wrapping
 * `%TypedArray%.prototype.slice / subarray / map / filter`.
 *
 * What this does NOT see: plain objects, JS arrays and closures, typed arrays made through a
 * constructor reference captured before the call (e.g. `const F = Float64Array` at module load), and
 * engine-internal allocations. It is a tripwire for the buffers that matter (per-step state or update
 * buffers), not a heap profiler.
 */
export function countTypedArrayAllocations(run: () => void): number {
  const g = globalThis as unknown as Record<string, unknown>;
  const proto = Object.getPrototypeOf(Float32Array.prototype) as Record<string, unknown>;
  const savedCtors = CONSTRUCTORS.map((name) => g[name]);
  const savedMethods = METHODS.map((name) => proto[name]);
  let count = 0;
  try {
    CONSTRUCTORS.forEach((name, i) => {
      const original = savedCtors[i];
      if (typeof original !== "function") return;
      g[name] = new Proxy(original, {
        construct(target, args, newTarget) {
          count++;
          return Reflect.construct(target, args, newTarget) as object;
        },
      });
    });
    METHODS.forEach((name, i) => {
      const original = savedMethods[i] as (...args: unknown[]) => unknown;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        count++;
        return original.apply(this, args);
      };
    });
    run();
  } finally {
    CONSTRUCTORS.forEach((name, i) => {
      if (savedCtors[i] !== undefined) g[name] = savedCtors[i];
    });
    METHODS.forEach((name, i) => {
      proto[name] = savedMethods[i];
    });
  }
  return count;
}
