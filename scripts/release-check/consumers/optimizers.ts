import { adamw, cosineAnnealingLr, Optimizer } from "@backprop/optimizers";
import { checkOptimizer } from "@backprop/optimizers/testing";
import { parameter, zeros } from "@backprop/tensor";

const w = parameter("w", zeros([3]));
const opt = new Optimizer(adamw({ lr: cosineAnnealingLr({ lr: 1e-3, tMax: 10 }) }), [w]);
opt.step();
export const consumerOptimizerState: unknown = opt.stateDict();
export const consumerKit: typeof checkOptimizer = checkOptimizer;
