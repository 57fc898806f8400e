import type { Layer } from "@backprop/layers";
import { evaluate, lazy, type Parameter, type Tensor } from "@backprop/tensor";

/**
 * "NaN", "Infinity" or "-Infinity" when some element of `t` is not finite, else undefined. One pass
 * on the tensor's backend: Σ x·0 is 0 unless some x is NaN or ±∞ (0·∞ = NaN); only then are the
 * elements read, to name the first bad value.
 */
function nonFinite(t: Tensor): string | undefined {
  const [probe] = evaluate({ shape: t.size, sums: [lazy(t).mul(0)] });
  if (probe === 0) return undefined;
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
 * What is not finite: the loss or a gradient (before the update, `what` "gradient"), or a weight
 * (after it, `what` "weight"); undefined when everything is. Parameters are scanned from the output
 * layer back, the order backpropagation computes their gradients in, so the one named is where a
 * non-finite δ first reached a parameter.
 */
export function divergence(
  model: Layer,
  parameters: readonly Parameter[],
  loss: number,
  what: "gradient" | "weight",
): string | undefined {
  if (what === "gradient" && !Number.isFinite(loss)) return `the loss is ${loss}`;
  for (let i = parameters.length - 1; i >= 0; i--) {
    const p = parameters[i]!;
    const bad = nonFinite(what === "gradient" ? p.grad : p.value);
    if (bad !== undefined) return `${what} of ${describeParameter(model, p.name)} has ${bad}`;
  }
  return undefined;
}
