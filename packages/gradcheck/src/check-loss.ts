import { Rng, type Tensor } from "@backprop/tensor";
import { compareGradients } from "./engine.js";
import { requireFloat64 } from "./float64.js";
import { type GradcheckOptions, resolveOptions } from "./options.js";
import type { GradcheckReport } from "./report.js";

/** The loss protocol: `forward(prediction, target)` → E, then `backward()` → ∂E/∂prediction. */
export interface CheckableLoss<Target> {
  /** The loss E(prediction, target). */
  forward(prediction: Tensor, target: Target): number;
  /** ∂E/∂prediction for the last `forward`. */
  backward(): Tensor;
}

/**
 * Checks a loss's gradient ∂E/∂y with respect to the prediction y (the target is held fixed and
 * never modified). The prediction must be float64; the loss works on a copy of it. In the report the
 * prediction is named `"prediction"`.
 */
export function checkLoss<Target>(
  loss: CheckableLoss<Target>,
  prediction: Tensor,
  target: Target,
  options?: GradcheckOptions,
): GradcheckReport {
  const op = "checkLoss";
  const resolved = resolveOptions(options);
  requireFloat64(op, "prediction", prediction);
  const input = prediction.clone();
  loss.forward(input, target);
  const analytic = loss.backward().clone();
  requireFloat64(op, "the gradient backward returned", analytic);
  const targets = [{ name: "prediction", tensor: input, analytic }];
  return compareGradients(op, () => loss.forward(input, target), targets, resolved, new Rng(resolved.seed));
}
