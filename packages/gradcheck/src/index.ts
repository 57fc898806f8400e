export { checkFunction } from "./check-function.js";
export { type CheckableLayer, checkLayer, type LayerCheckOptions } from "./check-layer.js";
export { type CheckableLoss, checkLoss } from "./check-loss.js";
export { GradcheckError } from "./errors.js";
export type { GradcheckMode, GradcheckOptions, KinkElement, KinkOption } from "./options.js";
export {
  type Comparison,
  type DirectionComparison,
  type ElementComparison,
  formatReport,
  type GradcheckReport,
} from "./report.js";
