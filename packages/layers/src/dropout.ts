import { mul, Rng, type RngState, type Tensor } from "@backprop/tensor";
import { LayerError } from "./errors.js";
import { BaseLayer, type LayerConfig } from "./layer.js";

/** Options of a `Dropout` layer: the generator or seed of its masks. */
export interface DropoutOptions {
  /** Generator for the masks. */
  rng?: Rng | undefined;
  /** Seed for a new generator when no `rng` is given (default 0); saved in the layer's config. */
  seed?: number | undefined;
}

/**
 * Inverted dropout: in training, y = x ⊙ m with m_i = 0 with probability p and 1/(1 − p) otherwise,
 * so E[y] = x and evaluation needs no rescaling; backward is dx = dy ⊙ m. In eval mode it is the
 * identity (forward returns x, backward returns dy). The masks come from the layer's own seeded Rng.
 */
export class Dropout extends BaseLayer {
  readonly type = "Dropout";
  readonly p: number;
  readonly seed: number | undefined;
  private rng: Rng;
  private mask: Tensor | undefined;
  private inputShape: readonly number[] | undefined;
  private draws: Float64Array | undefined;

  constructor(p: number, options: DropoutOptions = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new LayerError(`Dropout: p must be a probability in [0, 1], got ${p}`);
    const seed = options.seed;
    if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0))
      throw new LayerError(`Dropout: seed must be a non-negative safe integer, got ${seed}`);
    this.p = p;
    this.seed = options.rng === undefined ? (options.seed ?? 0) : options.seed;
    this.rng = options.rng ?? new Rng(this.seed ?? 0);
  }

  /** y = x ⊙ m, m_i ∈ {0, 1/(1 − p)} (training); y = x (eval). */
  forward(x: Tensor): Tensor {
    this.inputShape = x.shape;
    if (!this.training) {
      this.mask = undefined;
      return x;
    }
    const mask = this.buffers.get("mask", x.shape, x);
    const m = this.drawn(x.size);
    const keep = this.p === 1 ? 0 : 1 / (1 - this.p);
    for (let i = 0; i < m.length; i++) m[i] = this.rng.uniform() < this.p ? 0 : keep;
    mask.write(m);
    this.mask = mask;
    return mul(x, mask, this.buffers.get("output", x.shape, x));
  }

  /** The CPU array the mask is drawn into before it is written to the mask tensor (one per size). */
  private drawn(size: number): Float64Array {
    if (this.draws?.length !== size) this.draws = new Float64Array(size);
    return this.draws;
  }

  /** dx = dy ⊙ m (training); dx = dy (eval). */
  backward(dy: Tensor): Tensor {
    const shape = this.checkBackward(this.inputShape, dy, this.inputShape ?? []);
    if (this.mask === undefined) return dy;
    return mul(dy, this.mask, this.buffers.get("dx", shape, dy));
  }

  /** The mask generator's state, so a resumed training run draws the same masks. */
  rngState(): RngState {
    return this.rng.state();
  }

  /** Continues the mask stream from `rngState()`; a forged state fails with the RNG's error. */
  loadRngState(state: RngState): void {
    this.rng = Rng.fromState(state);
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  toConfig(): LayerConfig {
    return this.seed === undefined
      ? { type: this.type, p: this.p }
      : { type: this.type, p: this.p, seed: this.seed };
  }
}
