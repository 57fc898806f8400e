import type { NetworkTrace } from "../engine/trace.js";

/** A neuron (notes layer l = 1 … L, index j) or a weight W^(l)_{ji} (from neuron i of layer l to j of l + 1). */
export type Selection =
  | { kind: "neuron"; layer: number; index: number }
  | { kind: "weight"; layer: number; row: number; column: number };

/** Which quantity a row shows (the browser test finds rows by it). */
export type Quantity = "x" | "a" | "z" | "delta" | "weight" | "grad" | "loss";

/** One line of the formula panel: the formula with its indices filled in, and its value. */
export interface FormulaRow {
  quantity: Quantity;
  /** What the line is, in the page's language. */
  label: string;
  formula: string;
  value: number;
}

export interface FormulaContext {
  /** The activation h of the hidden layers, by name. */
  activation: string;
  bias: boolean;
  /** The loss convention: "bce" (cross-entropy on the logit), "half-sum", "sum" or "mean". */
  loss: "bce" | "half-sum" | "sum" | "mean";
  lang: "en" | "zh";
}

const LABELS = {
  en: {
    x: "input",
    a: "weighted sum",
    z: "activation",
    y: "output",
    delta: "error term δ = ∂E/∂a",
    weight: "weight",
    grad: "gradient of the weight",
    loss: "loss of this sample",
  },
  zh: {
    x: "输入",
    a: "加权求和",
    z: "激活函数作用",
    y: "输出",
    delta: "误差项 δ = ∂E/∂a",
    weight: "权重",
    grad: "权重的梯度",
    loss: "该样本的损失",
  },
} as const;

const sup = (l: number) => `^(${l})`;

/** δ^(L) = ∂E/∂y ⊙ ∂y/∂a^(L) for the loss: y = a^(L) (no output activation), so δ^(L) = ∂E/∂y. */
function outputDelta(loss: FormulaContext["loss"], L: number): string {
  const d = `δ${sup(L)} = ∂E/∂y`;
  switch (loss) {
    case "bce":
      return `${d} = σ(y) − t`;
    case "half-sum":
      return `${d} = y − t   (E = ½Σ(y − t)²)`;
    case "sum":
      return `${d} = 2(y − t)   (E = Σ(y − t)²)`;
    case "mean":
      return `${d} = 2(y − t)/N   (E = (1/N)Σ(y − t)², N = 1)`;
  }
}

/**
 * The formula panel's lines for a selection and one sample's trace, with the notes' indices:
 * a^(l)_j = Σ_i W^(l−1)_{ji} z^(l−1)_i (+ b_j), z^(l)_j = h(a^(l)_j), δ^(l)_j = h′(a^(l)_j) Σ_k W^(l)_{kj} δ^(l+1)_k,
 * δ^(L) = ∂E/∂y, ∂E/∂W^(l)_{ji} = δ^(l+1)_j z^(l)_i. `weights[l − 1]` is W^(l), [I_{l+1}, I_l] row-major.
 * Every value is read from the trace (the library's forward and backward), none recomputed here.
 */
export function formulaRows(
  trace: NetworkTrace,
  weights: readonly { weight: ArrayLike<number> }[],
  selection: Selection,
  context: FormulaContext,
): FormulaRow[] {
  const text = LABELS[context.lang];
  const L = trace.layers.length;
  const rows: FormulaRow[] = [];
  if (selection.kind === "neuron") {
    const { layer: l, index: j } = selection;
    const at = trace.layers[l - 1];
    if (at === undefined || j >= at.width) return [];
    if (l === 1) {
      rows.push({
        quantity: "x",
        label: text.x,
        formula: `z${sup(1)}_${j + 1} = a${sup(1)}_${j + 1} = x_${j + 1}`,
        value: at.z[j]!,
      });
      return rows;
    }
    const bias = context.bias ? ` + b${sup(l - 1)}_${j + 1}` : "";
    rows.push({
      quantity: "a",
      label: text.a,
      formula: `a${sup(l)}_${j + 1} = Σ_i W${sup(l - 1)}_{${j + 1}i} z${sup(l - 1)}_i${bias}`,
      value: at.a[j]!,
    });
    rows.push(
      l === L
        ? { quantity: "z", label: text.y, formula: `y_${j + 1} = a${sup(L)}_${j + 1}`, value: at.z[j]! }
        : {
            quantity: "z",
            label: text.z,
            formula: `z${sup(l)}_${j + 1} = h(a${sup(l)}_${j + 1}),  h = ${context.activation}`,
            value: at.z[j]!,
          },
    );
    rows.push({
      quantity: "delta",
      label: text.delta,
      formula:
        l === L
          ? outputDelta(context.loss, L)
          : `δ${sup(l)}_${j + 1} = h′(a${sup(l)}_${j + 1}) · Σ_k W${sup(l)}_{k${j + 1}} δ${sup(l + 1)}_k`,
      value: at.delta![j]!,
    });
    if (l === L) rows.push({ quantity: "loss", label: text.loss, formula: "E", value: trace.loss });
    return rows;
  }
  const { layer: l, row: j, column: i } = selection;
  const w = weights[l - 1];
  const from = trace.layers[l - 1];
  const to = trace.layers[l];
  if (w === undefined || from === undefined || to === undefined || j >= to.width || i >= from.width)
    return [];
  const name = `W${sup(l)}_{${j + 1}${i + 1}}`;
  rows.push({ quantity: "weight", label: text.weight, formula: name, value: w.weight[j * from.width + i]! });
  rows.push({
    quantity: "delta",
    label: text.delta,
    formula: `δ${sup(l + 1)}_${j + 1}`,
    value: to.delta![j]!,
  });
  rows.push({ quantity: "z", label: text.z, formula: `z${sup(l)}_${i + 1}`, value: from.z[i]! });
  rows.push({
    quantity: "grad",
    label: text.grad,
    formula: `∂E/∂${name} = δ${sup(l + 1)}_${j + 1} · z${sup(l)}_${i + 1}`,
    value: trace.gradients[l - 1]![j * from.width + i]!,
  });
  return rows;
}
