import { formatShape, type Parameter, sameShape, type Tensor } from "@backprop/tensor";
import { Buffers } from "./buffers.js";
import { LayerError } from "./errors.js";

/** A JSON value: what a layer's configuration may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A layer described as JSON: its type (the registry key) and its constructor options. */
export interface LayerConfig {
  type: string;
  [option: string]: JsonValue;
}

/**
 * The layer protocol (docs/protocols.md). Structural: anything with these members is a layer, so
 * @backprop/gradcheck and the trainer need not import this package.
 */
export interface Layer {
  /** a = forward(x): x is [batch, in...]; returns the layer's output. Keeps what backward needs. */
  forward(x: Tensor): Tensor;
  /**
   * Given dE/d(output) for the last forward, returns dE/dx and ACCUMULATES (+=) into each
   * parameter's grad (`writeGradient(p, …)` says when a zeroed gradient may be overwritten instead).
   */
  backward(dy: Tensor): Tensor;
  /**
   * Optional: accumulates the same parameter gradients as `backward(dy)` without computing dE/dx,
   * for a model's first layer, whose input is data (PyTorch's autograd skips that product when the
   * input does not require grad). A Dense layer saves its δ·W gemm, 28% of an MLP's backward work
   * on 784 inputs. Callers fall back to `backward` when a layer lacks it.
   */
  backwardParameters?(dy: Tensor): void;
  /** Trainable parameters, each with a stable unique name ("0.weight", "0.bias", ...). */
  parameters(): Parameter[];
  /** Switches train/eval mode (only Dropout behaves differently); returns the layer. */
  train(mode?: boolean): this;
  readonly training: boolean;
}

/**
 * Accumulates `layer`'s parameter gradients for dE/d(output) = dy: `backwardParameters` where the
 * layer has it, `backward` (its dE/dx unused) otherwise.
 */
export function accumulateParameterGradients(layer: Layer, dy: Tensor): void {
  if (layer.backwardParameters === undefined) layer.backward(dy);
  else layer.backwardParameters(dy);
}

/** A layer that can describe itself: what Sequential, summary() and save/load need besides the protocol. */
export interface Module extends Layer {
  /** The registry key of this layer type, e.g. "Dense". */
  readonly type: string;
  /** The JSON that rebuilds this layer (weights excluded) through a LayerRegistry. */
  toConfig(): LayerConfig;
  /** The output shape for an input of `inputShape` (batch axis included). */
  outputShape(inputShape: readonly number[]): number[];
}

/**
 * What the built-in layers share: train/eval mode, per-shape buffers, and the bookkeeping that
 * makes `backward` before `forward`, or a `dy` of the wrong shape, a clear error.
 */
export abstract class BaseLayer implements Module {
  abstract readonly type: string;
  training = true;
  protected readonly buffers = new Buffers();

  abstract forward(x: Tensor): Tensor;
  abstract backward(dy: Tensor): Tensor;
  abstract toConfig(): LayerConfig;
  abstract outputShape(inputShape: readonly number[]): number[];

  parameters(): Parameter[] {
    return [];
  }

  train(mode = true): this {
    this.training = mode;
    return this;
  }

  /** Throws unless `forward` ran (returning what it saved) and `dy` has the output's shape. */
  protected checkBackward<T>(saved: T | undefined, dy: Tensor, outputShape: readonly number[]): T {
    if (saved === undefined) throw new LayerError(`${this.type}.backward: called before forward`);
    if (!sameShape(dy.shape, outputShape)) {
      throw new LayerError(
        `${this.type}.backward: dy has shape ${formatShape(dy.shape)}, expected the output shape ${formatShape(outputShape)}`,
      );
    }
    return saved;
  }
}
