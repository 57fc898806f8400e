import type { Layer } from "@backprop/layers";
import type { Parameter, Tensor } from "@backprop/tensor";

/** "NaN", "Infinity" or "-Infinity": the first element of `t` that is not finite, else undefined. */
function firstNonFinite(t: Tensor): string | undefined {
  const data = t.read();
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return String(data[i]);
  return undefined;
}

/** `"2.weight" (layer 2, Dense)`: a parameter by name, with the (nested) layer it belongs to. */
function describeParameter(model: Layer, name: string): string {
  const path = name.split(".").slice(0, -1);
  let layer: unknown = model;
  for (const segment of path) {
    const children = (layer as { layers?: unknown }).layers;
    layer = Array.isArray(children) && /^\d+$/.test(segment) ? children[Number(segment)] : undefined;
  }
  const type = (layer as { type?: unknown } | undefined)?.type;
  return path.length > 0 && typeof type === "string"
    ? `"${name}" (layer ${path.join(".")}, ${type})`
    : `"${name}"`;
}

/**
 * What is not finite after a step whose `Optimizer.checkedStep` reported the parameters `flagged`
 * (their gradient or new value holds a NaN or ±∞): a gradient if any flagged one is, else a weight.
 * Parameters are scanned from the output layer back, the order backpropagation computes their
 * gradients in, so the one named is where a non-finite δ first reached a parameter. Only this, the
 * rare path, reads tensors.
 */
export function describeDivergence(
  model: Layer,
  parameters: readonly Parameter[],
  flagged: readonly number[],
): string {
  for (const what of ["gradient", "weight"] as const) {
    for (let k = flagged.length - 1; k >= 0; k--) {
      const p = parameters[flagged[k]!]!;
      const bad = firstNonFinite(what === "gradient" ? p.grad : p.value);
      if (bad !== undefined) return `${what} of ${describeParameter(model, p.name)} has ${bad}`;
    }
  }
  throw new Error("describeDivergence: no flagged parameter holds a NaN or ±Infinity");
}
