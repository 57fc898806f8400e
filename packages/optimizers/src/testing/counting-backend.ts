import { type Backend, wrapBackend } from "@backprop/tensor";

/**
 * `backend` with every method call counted by name (`calls.elementwise`, `calls.allocate`, …)
 * (`wrapBackend`: tensors made on it run exactly as on `backend`, and share its memory). Shows how
 * many passes a step makes, or that it allocates.
 */
export function countingBackend(backend: Backend): { backend: Backend; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const counted = wrapBackend(backend, (name, method) => {
    calls[name] = 0;
    return (...args) => {
      calls[name]! += 1;
      return method(...args);
    };
  });
  return { backend: counted, calls };
}
