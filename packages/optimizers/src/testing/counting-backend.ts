import type { Backend } from "@backprop/tensor";

/**
 * `backend` with every method call counted by name (`calls.elementwise`, `calls.allocate`, …): a
 * plain object whose methods are the backend's own, bound to it, so tensors made on it run exactly
 * as on `backend` (and share its memory). Shows how many passes a step makes, or that it allocates.
 */
export function countingBackend(backend: Backend): { backend: Backend; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const counted: Record<string, unknown> = {};
  for (let o: object | null = backend; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === "constructor" || Object.hasOwn(counted, key)) continue;
      const value = (backend as unknown as Record<string, unknown>)[key];
      if (typeof value !== "function") {
        counted[key] = value;
        continue;
      }
      calls[key] = 0;
      counted[key] = (...args: unknown[]) => {
        calls[key]! += 1;
        return (value as (...a: unknown[]) => unknown).apply(backend, args);
      };
    }
  }
  return { backend: counted as unknown as Backend, calls };
}
