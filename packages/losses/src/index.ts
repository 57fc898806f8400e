export { BCEWithLogitsLoss, type BCEWithLogitsLossOptions } from "./bce-with-logits.js";
export { type ClassTarget, CrossEntropyLoss, type CrossEntropyLossOptions } from "./cross-entropy.js";
export { ElementwiseLoss } from "./elementwise-loss.js";
export { LossError } from "./errors.js";
export { HuberLoss, type HuberLossOptions } from "./huber.js";
export { L1Loss, type L1LossOptions } from "./l1.js";
export type { Loss, Reduction } from "./loss.js";
export { MSELoss, type MSELossOptions, type MSEReduction } from "./mse.js";
