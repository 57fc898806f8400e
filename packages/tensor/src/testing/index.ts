export { CONFORMANCE_SHAPES } from "./backend-cases.js";
export {
  type BackendCheck,
  BackendConformanceError,
  type BackendConformanceReport,
  type CheckBackendOptions,
  checkBackend,
} from "./check-backend.js";
export { countingBackend } from "./counting-backend.js";
export { createOpaqueBackend } from "./opaque-backend.js";
