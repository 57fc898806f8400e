import { type Backend, type DType, Rng } from "@backprop/tensor";
import { type ActivationSpec, activation } from "./activations.js";
import { Dense } from "./dense.js";
import { Dropout } from "./dropout.js";
import { LayerError } from "./errors.js";
import type { InitializerLike } from "./init.js";
import type { Module } from "./layer.js";
import { Sequential } from "./sequential.js";

/** Options of `mlp()`: the layer widths [I_1, …, I_L], the activations h^(l), bias, dropout and initialisation. */
export interface MlpOptions {
  /** [I_1, I_2, …, I_L]: I_1 inputs, I_L outputs, the widths of the hidden layers between (L ≥ 2). */
  sizes: readonly number[];
  /**
   * h^(1), …, h^(L-2), the activations between the Dense layers: one for all, or one per hidden layer
   * (default "relu").
   */
  activation?: ActivationSpec | readonly ActivationSpec[] | undefined;
  /** An activation after the last Dense layer (default "identity": none, y = a^(L) as in the notes). */
  outputActivation?: ActivationSpec | undefined;
  /** Dense biases (default true; false is the notes' bias-free net). */
  bias?: boolean | undefined;
  /** Weight initialiser of every Dense layer (default PyTorch nn.Linear's). */
  init?: InitializerLike | undefined;
  /** Bias initialiser of every Dense layer (default PyTorch nn.Linear's). */
  biasInit?: InitializerLike | undefined;
  /** float32 (default) or float64. */
  dtype?: DType | undefined;
  backend?: Backend | undefined;
  /** Seed of the generator that draws the initial weights, layer by layer (default 0). */
  seed?: number | undefined;
  /** A generator to draw from instead of a new one seeded with `seed`. */
  rng?: Rng | undefined;
  /** Dropout probability after each hidden activation (default 0: no Dropout layers). */
  dropout?: number | undefined;
}

/**
 * The notes' L-layer network y(X; W): R^{I_1} → R^{I_L} as a Sequential:
 * a^(1) = x, a^(l) = W^(l-1) z^(l-1) (+ b^(l-1)), z^(l) = h^(l-1)(a^(l)), h^(0) = I, y = a^(L).
 * Layers: Dense(I_1→I_2), h^(1), Dense(I_2→I_3), h^(2), …, Dense(I_{L-1}→I_L)[, outputActivation].
 * With `dropout`, a Dropout layer follows each hidden activation (its seed drawn from the same generator).
 */
export function mlp(options: MlpOptions): Sequential {
  const { sizes } = options;
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new LayerError(
      `mlp: sizes must list at least the input and output widths [I_1, …, I_L], got ${JSON.stringify(sizes)}`,
    );
  }
  const hidden = sizes.length - 2;
  const activations = options.activation ?? "relu";
  if (Array.isArray(activations) && activations.length !== hidden) {
    throw new LayerError(
      `mlp: ${activations.length} activations given for ${hidden} hidden layers (sizes ${JSON.stringify(sizes)})`,
    );
  }
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const dropout = options.dropout ?? 0;
  const layers: Module[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    layers.push(
      new Dense(sizes[l]!, sizes[l + 1]!, {
        bias: options.bias,
        init: options.init,
        biasInit: options.biasInit,
        dtype: options.dtype,
        backend: options.backend,
        rng,
      }),
    );
    if (l < hidden) {
      layers.push(activation(Array.isArray(activations) ? activations[l]! : (activations as ActivationSpec)));
      if (dropout > 0) layers.push(new Dropout(dropout, { seed: rng.nextUint32() }));
    }
  }
  if (options.outputActivation !== undefined && options.outputActivation !== "identity") {
    layers.push(activation(options.outputActivation));
  }
  return new Sequential(layers);
}
