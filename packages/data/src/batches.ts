import { Rng, type RngState, selectRows, type Tensor, zeros } from "@backprop/tensor";
import { type Dataset, datasetSize } from "./dataset.js";
import { DataError } from "./errors.js";
import { type RngLike, toRng } from "./split.js";

/**
 * One mini-batch. The iterator owns it and refills the same object, tensors and arrays for every
 * batch of its size: read (or copy) it before asking for the next one.
 */
export interface Batch<D extends Dataset = Dataset> {
  /** The batch's rows of the features: [size, d]. */
  readonly features: Tensor;
  /** Its labels (Int32Array [size]) or regression targets (Tensor [size, k]). */
  readonly targets: D["targets"];
  /** The dataset rows in this batch, in batch order. */
  readonly indices: Int32Array;
  /** Rows in this batch: batchSize, or fewer for a last partial batch. */
  readonly size: number;
  /** Epochs completed before this batch (0 in the first epoch). */
  epoch: number;
  /** Position of this batch in its epoch, from 0. */
  index: number;
}

/** Options of a `BatchIterator`: the batch size, the shuffle and its seed, and what to do with a short last batch. */
export interface BatchIteratorOptions {
  batchSize: number;
  /** A new random order each epoch (true unless given); false keeps dataset order. */
  shuffle?: boolean;
  /** Generator or seed for the epoch orders; seed 0 unless given. A given Rng is used and advanced. */
  rng?: RngLike;
  /** Drop the last batch of an epoch when it is smaller than batchSize (false unless given). */
  dropLast?: boolean;
}

/** JSON form of where a `BatchIterator` is; `loadState` continues with exactly the same batches. */
export interface BatchIteratorState {
  version: 1;
  /** Epochs completed. */
  epoch: number;
  /** Batches already handed out in the current epoch. */
  batch: number;
  /** The generator's state at the start of the current epoch, before its shuffle. */
  rng: RngState;
  /** The configuration the state belongs to, checked on load. */
  samples: number;
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
}

/**
 * Seeded shuffled mini-batches for mini-batch SGD. Each epoch's order is a Fisher–Yates shuffle of
 * 0..n−1 drawn from the iterator's Rng, so an epoch's batches follow from the generator state at
 * its start: `state()` records that state and the batches already used, and `loadState()` on a new
 * iterator over the same data resumes with identical batches. Batch tensors are allocated once (one
 * set for full batches, one for a last partial batch): steady-state iteration allocates nothing.
 *
 * ```ts
 * const batches = new BatchIterator(train, { batchSize: 32, rng: 42 });
 * for (let epoch = 0; epoch < 10; epoch++) for (const batch of batches) step(batch.features, batch.targets);
 * ```
 */
export class BatchIterator<D extends Dataset = Dataset> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  /** Batches per epoch: ⌈n / batchSize⌉, or ⌊n / batchSize⌋ with dropLast. */
  readonly batchesPerEpoch: number;
  private readonly dataset: D;
  private readonly order: Int32Array;
  private readonly full: Batch<D>;
  private readonly partial: Batch<D> | undefined;
  private rng: Rng;
  private epochStart: RngState;
  private started = false;
  private cursor = 0;
  private completed = 0;

  constructor(dataset: D, options: BatchIteratorOptions) {
    const op = "BatchIterator";
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new DataError(op, `batchSize must be a positive integer, got ${batchSize}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    this.rng = toRng(op, options.rng);
    this.epochStart = this.rng.state();
    const n = datasetSize(dataset);
    const remainder = n % batchSize;
    this.batchesPerEpoch =
      this.dropLast || remainder === 0 ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
    this.order = new Int32Array(n);
    this.full = this.allocate(batchSize);
    this.partial = remainder > 0 && !this.dropLast ? this.allocate(remainder) : undefined;
  }

  /** Epochs completed so far. */
  get epoch(): number {
    return this.completed;
  }

  /**
   * The next batch of the current epoch, or null once the epoch is over (the call after that starts
   * the next epoch with a new order).
   */
  next(): Batch<D> | null {
    if (!this.started) this.begin();
    if (this.cursor >= this.batchesPerEpoch) {
      this.started = false;
      this.completed++;
      return null;
    }
    const start = this.cursor * this.batchSize;
    const size = Math.min(this.batchSize, this.order.length - start);
    const batch = size === this.batchSize ? this.full : this.partial!;
    const indices = batch.indices;
    for (let r = 0; r < size; r++) indices[r] = this.order[start + r]!;
    selectRows(this.dataset.features, indices, batch.features);
    const targets = batch.targets;
    if (targets instanceof Int32Array) {
      const labels = this.dataset.targets as Int32Array;
      for (let r = 0; r < size; r++) targets[r] = labels[indices[r]!]!;
    } else {
      selectRows(this.dataset.targets as Tensor, indices, targets);
    }
    batch.epoch = this.completed;
    batch.index = this.cursor;
    this.cursor++;
    return batch;
  }

  /** The remaining batches of the current epoch: one `for … of` is one epoch. */
  *[Symbol.iterator](): Generator<Batch<D>, void, undefined> {
    for (let batch = this.next(); batch !== null; batch = this.next()) yield batch;
  }

  /** Where the iterator is, as JSON: save it with a checkpoint. */
  state(): BatchIteratorState {
    return {
      version: 1,
      epoch: this.completed,
      batch: this.started ? this.cursor : 0,
      rng: this.started ? this.epochStart : this.rng.state(),
      samples: this.order.length,
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
    };
  }

  /** Continues from `state()` of an iterator with the same dataset size and options. */
  loadState(state: BatchIteratorState): void {
    const op = "BatchIterator.loadState";
    const expected = {
      samples: this.order.length,
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
    };
    for (const [key, value] of Object.entries(expected)) {
      const actual = (state as unknown as Record<string, unknown>)?.[key];
      if (actual !== value)
        throw new DataError(op, `state has ${key} ${JSON.stringify(actual)}, this iterator has ${value}`);
    }
    if (state.version !== 1 || !Number.isSafeInteger(state.epoch) || state.epoch < 0) {
      throw new DataError(op, `not a valid batch iterator state: ${JSON.stringify(state)}`);
    }
    if (!Number.isInteger(state.batch) || state.batch < 0 || state.batch > this.batchesPerEpoch) {
      throw new DataError(op, `batch ${state.batch} is outside [0, ${this.batchesPerEpoch}]`);
    }
    let rng: Rng;
    try {
      rng = Rng.fromState(state.rng);
    } catch (cause) {
      throw new DataError(op, `invalid rng state: ${JSON.stringify(state.rng)}`, {}, { cause });
    }
    this.rng = rng;
    this.completed = state.epoch;
    this.started = false;
    if (state.batch > 0) {
      this.begin();
      this.cursor = state.batch;
    }
  }

  /** Starts an epoch: remembers the generator state, then draws the order. */
  private begin(): void {
    this.epochStart = this.rng.state();
    const order = this.order;
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.shuffle) this.rng.shuffle(order);
    this.started = true;
    this.cursor = 0;
  }

  private allocate(size: number): Batch<D> {
    const { features, targets } = this.dataset;
    const like = (t: Tensor) => zeros([size, t.shape[1]!], { dtype: t.dtype, backend: t.backend });
    return {
      features: like(features),
      targets: (targets instanceof Int32Array ? new Int32Array(size) : like(targets)) as D["targets"],
      indices: new Int32Array(size),
      size,
      epoch: 0,
      index: 0,
    };
  }
}
