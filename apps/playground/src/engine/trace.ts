import type { Module } from "@backprop/layers";
import type { Loss } from "@backprop/losses";
import type { Tensor } from "@backprop/tensor";

/**
 * The notes' quantities at one layer l (1 = inputs, L = output) for a batch, row-major [n, I_l]:
 * a^(l) = W^(l-1) z^(l-1) (+ b), z^(l) = h(a^(l)) (z^(1) = a^(1) = x, y = z^(L) = a^(L)),
 * δ^(l) = ∂E/∂a^(l) (undefined for l = 1, whose input is data).
 */
export interface LayerTrace {
  width: number;
  a: Float64Array;
  z: Float64Array;
  delta: Float64Array | undefined;
}

/** What `traceNetwork` returns: every layer's a, z, δ, each ∂E/∂W^(l) = δ^(l+1) z^(l)ᵀ, and E. */
export interface NetworkTrace {
  layers: LayerTrace[];
  /** gradients[l − 1] = ∂E/∂W^(l), [I_{l+1}, I_l] row-major, summed over the batch (l = 1 … L−1). */
  gradients: Float64Array[];
  /** ∂E/∂b^(l) per layer (undefined without biases). */
  biasGradients: (Float64Array | undefined)[];
  loss: number;
}

const copy = (t: Tensor) => Float64Array.from(t.read());

function zeroGrads(model: Module): void {
  for (const p of model.parameters()) p.grad.write(new Float64Array(p.grad.size));
}

/**
 * Runs the library's own forward and backward of `model` (a Sequential Dense, h, Dense, h, …, Dense)
 * layer by layer for inputs `x` and targets `t`, recording the notes' quantities on the way:
 * forward a^(l+1) = Dense(z^(l)), z^(l+1) = h(a^(l+1)); backward δ^(L) = ∂E/∂y from the loss,
 * (W^(l))ᵀ δ^(l+1) from the Dense layer, δ^(l) = h′(a^(l)) ⊙ (W^(l))ᵀ δ^(l+1) from the activation.
 * The parameter gradients are zeroed before and hold this batch's ∂E/∂W after.
 */
export function traceNetwork(
  model: { layers: readonly Module[] } & Module,
  loss: Loss,
  x: Tensor,
  t: Tensor,
): NetworkTrace {
  const modules = model.layers;
  const input = copy(x);
  const layers: LayerTrace[] = [{ width: x.shape[1]!, a: input, z: input, delta: undefined }];
  let value = x;
  for (let i = 0; i < modules.length; i++) {
    value = modules[i]!.forward(value);
    const isDense = modules[i]!.type === "Dense";
    if (isDense) {
      const a = copy(value);
      layers.push({ width: value.shape[1]!, a, z: a, delta: undefined });
    } else layers[layers.length - 1]!.z = copy(value);
  }
  const lossValue = loss.forward(value, t);
  zeroGrads(model);
  let delta = loss.backward();
  let layer = layers.length - 1;
  for (let i = modules.length - 1; i >= 0; i--) {
    const module = modules[i]!;
    if (module.type === "Dense") {
      layers[layer]!.delta = copy(delta);
      layer -= 1;
      delta = module.backward(delta);
    } else {
      delta = module.backward(delta);
    }
  }
  const dense = modules.filter((m) => m.type === "Dense");
  return {
    layers,
    gradients: dense.map((m) => Float64Array.from(m.parameters()[0]!.grad.read())),
    biasGradients: dense.map((m) => {
      const bias = m.parameters()[1];
      return bias === undefined ? undefined : Float64Array.from(bias.grad.read());
    }),
    loss: lossValue,
  };
}
