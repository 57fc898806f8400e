import { type Parameter, renameParameter, type Tensor } from "@backprop/tensor";
import { ElementwiseActivation } from "./activations.js";
import { Dense } from "./dense.js";
import { LayerError } from "./errors.js";
import { accumulateParameterGradients, type LayerConfig, type Module } from "./layer.js";

/**
 * Layers applied in order: forward runs them first to last, backward last to first, each
 * backward taking the δ the layer above returned (the notes' "from the back to the front").
 * Parameter names are prefixed with the layer's index, as PyTorch's nn.Sequential: "0.weight",
 * "0.bias", "2.weight", ... A layer instance may appear only once (each keeps its own buffers).
 */
export class Sequential implements Module {
  readonly type = "Sequential";
  readonly layers: readonly Module[];
  training = true;
  private readonly params: Parameter[];

  constructor(layers: readonly Module[]) {
    if (new Set(layers).size !== layers.length) {
      throw new LayerError(
        "Sequential: the same layer instance appears more than once; create one layer per position",
      );
    }
    this.layers = [...layers];
    this.params = this.layers.flatMap((layer, index) =>
      layer.parameters().map((p) => renameParameter(p, `${index}.${p.name}`)),
    );
  }

  /**
   * z^(l+1) = layer_l(z^(l)), first layer to last. A Dense layer followed by an elementwise
   * activation runs as one gemm and one pass (a = z·Wᵀ + b and h(a) together, `forwardActivated`);
   * the result and what each layer keeps for backward are those of the two forwards.
   */
  forward(x: Tensor): Tensor {
    let y = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      const next = layers[i + 1];
      if (layer instanceof Dense && next instanceof ElementwiseActivation) {
        y = layer.forwardActivated(y, next);
        i++;
      } else {
        y = layer.forward(y);
      }
    }
    return y;
  }

  /** δ flows from the last layer to the first; each layer accumulates its parameters' gradients. */
  backward(dy: Tensor): Tensor {
    let delta = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) delta = this.layers[i]!.backward(delta);
    return delta;
  }

  /**
   * The parameter gradients of `backward(dy)` without dE/dx: δ flows down to the lowest layer that
   * has parameters, which accumulates them through its own `backwardParameters` when it has one;
   * layers below it (no parameters) are not visited. What a training step needs.
   */
  backwardParameters(dy: Tensor): void {
    const lowest = this.layers.findIndex((layer) => layer.parameters().length > 0);
    if (lowest < 0) return;
    let delta = dy;
    for (let i = this.layers.length - 1; i > lowest; i--) delta = this.layers[i]!.backward(delta);
    accumulateParameterGradients(this.layers[lowest]!, delta);
  }

  parameters(): Parameter[] {
    return this.params;
  }

  train(mode = true): this {
    for (const layer of this.layers) layer.train(mode);
    this.training = mode;
    return this;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return this.layers.reduce<number[]>((shape, layer) => layer.outputShape(shape), [...inputShape]);
  }

  toConfig(): LayerConfig {
    return { type: this.type, layers: this.layers.map((layer) => layer.toConfig()) };
  }
}
