import type { ParamInfo } from "./params.js";
import { partition } from "./partition.js";
import type { GradientTransformation } from "./transform.js";
import { identity } from "./transforms/identity.js";

/** Chooses parameters: `(p) => !p.name.endsWith(".bias")`. */
export type ParamMask = (param: ParamInfo) => boolean;

/**
 * optax.masked: `inner` updates the parameters `mask` selects; the others pass through unchanged.
 * E.g. masked(addDecayedWeights(0.01), (p) => p.shape.length > 1): no weight decay for biases.
 * The state is `{ masked: innerState, unmasked: {} }`.
 */
export function masked(
  inner: GradientTransformation,
  mask: ParamMask,
): GradientTransformation<Record<string, unknown>> {
  return partition({ masked: inner, unmasked: identity() }, (p) => (mask(p) ? "masked" : "unmasked"));
}
