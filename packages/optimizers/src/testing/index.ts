export {
  type ConformanceCheck,
  ConformanceError,
  type ConformanceOptions,
  type ConformanceReport,
  checkOptimizer,
} from "./check-optimizer.js";
export { countTypedArrayAllocations } from "./count-allocations.js";
export { countingBackend } from "./counting-backend.js";
export { type Quadratic, quadratic } from "./problem.js";
