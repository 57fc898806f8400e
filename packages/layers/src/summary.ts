import type { Module } from "./layer.js";
import { Sequential } from "./sequential.js";

const BYTES_PER_ELEMENT = { float32: 4, float64: 8 } as const;

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(2)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

/** `(None, 5)`: the batch axis printed as None, as Keras does. */
function formatOutputShape(shape: readonly number[]): string {
  const dims = shape.map((d, i) => (i === 0 ? "None" : String(d)));
  return `(${dims.join(", ")}${dims.length === 1 ? "," : ""})`;
}

/**
 * A Keras-like table of a model's layers, their output shapes and parameter counts:
 *
 * ```text
 * Layer (type)                  Output Shape              Param #
 * ================================================================
 * 0 (Dense)                     (None, 5)                      25
 * 1 (Tanh)                      (None, 5)                       0
 * ================================================================
 * Total params: 25 (200 B)
 * ```
 *
 * `inputShape` is one sample's shape (the batch axis is left out), e.g. `[4]`. A Sequential lists its
 * layers by index; any other model is one row.
 */
export function summary(model: Module, inputShape: readonly number[]): string {
  const layers =
    model instanceof Sequential
      ? model.layers.map((layer, i) => [String(i), layer] as const)
      : [["", model] as const];
  const rows: [string, string, string][] = [];
  let shape = [1, ...inputShape];
  let total = 0;
  let bytes = 0;
  for (const [name, layer] of layers) {
    shape = layer.outputShape(shape);
    let count = 0;
    for (const p of layer.parameters()) {
      count += p.value.size;
      bytes += p.value.size * BYTES_PER_ELEMENT[p.value.dtype];
    }
    total += count;
    rows.push([
      name === "" ? layer.type : `${name} (${layer.type})`,
      formatOutputShape(shape),
      count.toLocaleString("en-US"),
    ]);
  }
  const header: [string, string, string] = ["Layer (type)", "Output Shape", "Param #"];
  const widths = [0, 1, 2].map((c) => Math.max(...[header, ...rows].map((row) => row[c]!.length)) + 2) as [
    number,
    number,
    number,
  ];
  const line = (row: [string, string, string]) =>
    `${row[0].padEnd(widths[0])}${row[1].padEnd(widths[1])}${row[2].padStart(widths[2])}`;
  const width = widths[0] + widths[1] + widths[2];
  return [
    line(header),
    "=".repeat(width),
    ...rows.map(line),
    "=".repeat(width),
    `Total params: ${total.toLocaleString("en-US")} (${formatBytes(bytes)})`,
    `Trainable params: ${total.toLocaleString("en-US")}`,
  ].join("\n");
}
