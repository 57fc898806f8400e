export { createWasmBackend, type WasmBackend, type WasmBackendOptions } from "./backend.js";
export { WasmBackendError } from "./errors.js";
export { wasmRelaxedSimdSupported, wasmSimdSupported } from "./kernels.js";
export type { WasmStorage } from "./storage.js";
export type { ThreadTimes } from "./threads.js";
export { workerThreadsAvailable } from "./workers.js";
