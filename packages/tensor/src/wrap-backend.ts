import type { Backend } from "./backend.js";

/** A backend method, as `wrapBackend` hands it over (bound to its backend). */
export type BackendMethod = (...args: unknown[]) => unknown;

/**
 * A plain object with `backend`'s properties: each method passed through `wrap(name, method)`
 * (`method` bound to `backend`), every other value copied (name, threads). Its storages are
 * `backend`'s own, so tensors made on it run exactly as on `backend`: for a backend that counts or
 * times its calls. Works on frozen backends and on methods from a prototype.
 */
export function wrapBackend<B extends Backend>(
  backend: B,
  wrap: (name: string, method: BackendMethod) => BackendMethod,
): B {
  const wrapped: Record<string, unknown> = {};
  for (let o: object | null = backend; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === "constructor" || Object.hasOwn(wrapped, key)) continue;
      const value = (backend as unknown as Record<string, unknown>)[key];
      wrapped[key] = typeof value === "function" ? wrap(key, (value as BackendMethod).bind(backend)) : value;
    }
  }
  return wrapped as unknown as B;
}
