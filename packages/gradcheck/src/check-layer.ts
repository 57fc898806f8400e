import { dot, type Parameter, Rng, randomNormal, type Tensor } from "@backprop/tensor";
import { type CheckTarget, compareGradients } from "./engine.js";
import { requireFloat64 } from "./float64.js";
import { type GradcheckOptions, resolveOptions } from "./options.js";
import type { GradcheckReport } from "./report.js";

/**
 * Anything with the layer protocol's `forward / backward / parameters`: a layer or a whole model.
 * `backward(dy)` returns ∂E/∂x for the last forward and accumulates (+=) ∂E/∂θ into each `grad`.
 */
export interface CheckableLayer {
  /** y = f(x); keeps what `backward` needs. */
  forward(x: Tensor): Tensor;
  /** Given ∂L/∂y, accumulates ∂L/∂θ into every parameter's grad and returns ∂L/∂x. */
  backward(dy: Tensor): Tensor;
  /** The parameters whose gradients are checked. */
  parameters(): readonly Parameter[];
}

/** Options of `checkLayer`: the gradcheck tolerances and steps, and whether to check ∂L/∂x too. */
export interface LayerCheckOptions extends GradcheckOptions {
  /** Also check ∂L/∂x, the gradient `backward` returns (default true). */
  checkInput?: boolean;
}

/**
 * Checks a layer's or model's backward pass: the input gradient and every parameter's gradient.
 * The output is reduced to a scalar by a fixed random projection, L = Σ r ⊙ forward(x) with
 * r ~ N(0, 1) seeded by `options.seed`, so the analytic gradients are those of `backward(r)`.
 *
 * The input and every parameter (value and grad) must be float64. The caller's data is not changed:
 * the input is copied, every perturbed parameter element is written back bitwise, and each
 * parameter's `grad` is restored to what it held before the check (the analytic gradient is taken
 * from zeroed grads). Layers with randomness (Dropout) must be in eval mode: the check throws if two
 * forwards at the same point differ.
 */
export function checkLayer(
  layer: CheckableLayer,
  x: Tensor,
  options: LayerCheckOptions = {},
): GradcheckReport {
  const op = "checkLayer";
  const resolved = resolveOptions(options);
  requireFloat64(op, "input", x);
  const parameters = layer.parameters();
  for (const p of parameters) {
    requireFloat64(op, `parameter "${p.name}"`, p.value);
    requireFloat64(op, `the grad of parameter "${p.name}"`, p.grad);
  }
  const input = x.clone();
  const rng = new Rng(resolved.seed);
  const output = layer.forward(input);
  requireFloat64(op, "the output of forward", output);
  const projection = randomNormal(output.shape, rng, { dtype: "float64", backend: output.backend });

  const savedGrads = parameters.map((p) => p.grad.clone());
  let inputGradient: Tensor;
  let parameterGradients: Tensor[];
  try {
    for (const p of parameters) p.grad.write(new Float64Array(p.grad.size));
    inputGradient = layer.backward(projection).clone();
    parameterGradients = parameters.map((p) => p.grad.clone());
  } finally {
    parameters.forEach((p, i) => {
      p.grad.write(savedGrads[i]!.read());
    });
  }
  requireFloat64(op, "the input gradient backward returned", inputGradient);

  const targets: CheckTarget[] = parameters.map((p, i) => ({
    name: p.name,
    tensor: p.value,
    analytic: parameterGradients[i]!,
  }));
  if (options.checkInput ?? true) targets.unshift({ name: "input", tensor: input, analytic: inputGradient });
  return compareGradients(op, () => dot(projection, layer.forward(input)), targets, resolved, rng);
}
