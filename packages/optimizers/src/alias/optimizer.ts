import { namedChain } from "../chain.js";
import { HyperparameterError } from "../errors.js";
import type { JsonObject, JsonValue } from "../json.js";
import { masked, type ParamMask } from "../masked.js";
import { checkOptionKeys } from "../option-keys.js";
import type { LearningRate } from "../schedules/schedule.js";
import type { GradientTransformation, Spec } from "../transform.js";
import { addDecayedWeights } from "../transforms/add-decayed-weights.js";
import { scale } from "../transforms/scale.js";
import { checkBoolean, checkNonNegative } from "../validate.js";

/** Options every built-in optimizer takes. */
export interface CommonOptions {
  /** A number or a schedule (read at every step). */
  lr?: LearningRate;
  /** λ ≥ 0; L2 (added to the gradient) or decoupled, depending on the optimizer. */
  weightDecay?: number;
  /** Decay only the parameters this selects, e.g. `(p) => p.shape.length > 1` (no decay for biases). */
  weightDecayMask?: ParamMask;
  /** Ascend instead of descend: g ← −g first (PyTorch's `maximize`). */
  maximize?: boolean;
}

/** The keys of `CommonOptions`, which every built-in optimizer accepts. */
export const COMMON_OPTIONS = ["lr", "weightDecay", "weightDecayMask", "maximize"] as const;

/** g ← −g when maximizing (false otherwise: a part `optimizer` leaves out). */
export function maximizePart(op: string, maximize: unknown): GradientTransformation | false {
  return checkBoolean(op, "maximize", maximize ?? false) && scale(-1);
}

/** u ← u + λ·θ on the parameters the mask selects (false when λ = 0). */
export function weightDecayPart(
  op: string,
  weightDecay: unknown,
  mask: ParamMask | undefined,
): GradientTransformation | false {
  const wd = checkNonNegative(op, "weightDecay", weightDecay);
  if (wd === 0) return false;
  return mask === undefined ? addDecayedWeights(wd) : masked(addDecayedWeights(wd), mask);
}

function toJson(value: unknown): JsonValue | undefined {
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "string") return value;
  if (Array.isArray(value)) {
    const items = value.map(toJson);
    return items.every((v) => v !== undefined) ? (items as JsonValue[]) : undefined;
  }
  const spec = (value as { spec?: Spec } | null)?.spec;
  return spec === undefined ? undefined : { type: spec.type, options: spec.options };
}

/** The JSON spec of a built-in optimizer, or undefined when an option (a mask function) has no JSON form. */
function specOf(type: string, options: object): Spec | undefined {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const json = toJson(value);
    if (json === undefined) return undefined;
    out[key] = json;
  }
  return { type, options: out };
}

/**
 * Builds a built-in optimizer: the chain of the parts `build()` returns (false parts left out), with
 * its spec. `options` may hold only the keys in `accepted` (a typo is refused, naming the key and
 * the closest accepted one). Hyperparameter errors name the optimizer (`adam: betas[1] must be in
 * [0, 1), got 1`) rather than the inner transformation that found them.
 */
export function optimizer(
  type: string,
  options: object,
  accepted: readonly string[],
  build: () => readonly (GradientTransformation | false)[],
): GradientTransformation {
  let parts: readonly (GradientTransformation | false)[];
  try {
    checkOptionKeys(type, options, accepted);
    parts = build();
  } catch (error) {
    if (error instanceof HyperparameterError) {
      throw new HyperparameterError(`${type}: ${error.message.slice(error.message.indexOf(": ") + 2)}`);
    }
    throw error;
  }
  const tx = namedChain(
    type,
    parts.filter((p): p is GradientTransformation => p !== false),
  );
  const spec = specOf(type, options);
  return { init: tx.init, update: tx.update, ...(spec === undefined ? {} : { spec }) };
}
