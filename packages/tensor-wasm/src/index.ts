export { createWasmBackend, type WasmBackend, type WasmBackendOptions } from "./backend.js";
export { WasmBackendError } from "./errors.js";
export {
  type AdamStepOptions,
  createJsFusedOps,
  type FusedActivation,
  type FusedOps,
  hasFusedOps,
  MIN_NORMAL_FLOAT32,
  type Reduction,
  type SgdStepOptions,
} from "./fused.js";
export { wasmRelaxedSimdSupported, wasmSimdSupported } from "./kernels.js";
export type { WasmStorage } from "./storage.js";
