import type { Backend } from "../backend.js";
import { wrapBackend } from "../wrap-backend.js";

/**
 * `backend` with every call counted by method name (`calls.elementwise` passes so far): for tests
 * that assert how many passes something makes. Its tensors run exactly as on `backend`.
 */
export function countingBackend<B extends Backend>(
  backend: B,
): { backend: B; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const counted = wrapBackend(backend, (name, method) => (...args) => {
    calls[name] = (calls[name] ?? 0) + 1;
    return method(...args);
  });
  return { backend: counted, calls };
}
