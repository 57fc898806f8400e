import { formatShape, prepareOut, type Tensor } from "@backprop/tensor";
import { DataError } from "./errors.js";

/** JSON form of a fitted `StandardScaler`: x' = (x − mean) / std per column. */
export interface StandardScalerJSON {
  type: "standard";
  version: 1;
  mean: number[];
  /** The divisors used: the population standard deviation, 1 where a column is constant. */
  std: number[];
}

/** JSON form of a fitted `MinMaxScaler`: x' = lo + (x − min) · (hi − lo) / (max − min) per column. */
export interface MinMaxScalerJSON {
  type: "minmax";
  version: 1;
  min: number[];
  /** Column maxima; where max = min the column maps to lo. */
  max: number[];
  /** The target interval [lo, hi]. */
  range: [number, number];
}

/** A fitted scaler as JSON (its kind and per-column statistics), as saved beside a model and read back by `scalerFromJSON`. */
export type ScalerJSON = StandardScalerJSON | MinMaxScalerJSON;

/** A per-column transform fitted on training features; apply the same one to every split and at predict time. */
export interface Scaler {
  /** Number of feature columns it was fitted on. */
  readonly features: number;
  /** x' for every row of x ([m, features]); into `out` when given (it may be x itself). */
  transform(x: Tensor, out?: Tensor): Tensor;
  /** The inverse: x from x'. */
  inverseTransform(x: Tensor, out?: Tensor): Tensor;
  /** Plain JSON data; `scalerFromJSON` rebuilds the scaler. */
  toJSON(): ScalerJSON;
}

/** Column statistics in float64: count, mean, population variance, min, max. */
function columnStats(
  op: string,
  features: Tensor,
): { mean: number[]; variance: number[]; min: number[]; max: number[] } {
  if (features.rank !== 2 || features.shape[0] === 0) {
    throw new DataError(
      op,
      `fit needs features of shape [n, d] with n ≥ 1, got ${formatShape(features.shape)}`,
    );
  }
  const [n, d] = features.shape as [number, number];
  const x = features.read();
  const mean = new Array<number>(d).fill(0);
  const min = new Array<number>(d).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(d).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j]!;
      if (!Number.isFinite(v)) throw new DataError(op, `fit: feature ${j} of sample ${i} is ${v}`);
      mean[j]! += v;
      if (v < min[j]!) min[j] = v;
      if (v > max[j]!) max[j] = v;
    }
  }
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const variance = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) variance[j]! += (x[i * d + j]! - mean[j]!) ** 2;
  }
  for (let j = 0; j < d; j++) variance[j]! /= n;
  return { mean, variance, min, max };
}

/** The shared shape of both scalers: x' = (x − center_j) / scale_j + base. */
abstract class AffineScaler implements Scaler {
  protected abstract readonly op: string;

  protected constructor(
    private readonly center: readonly number[],
    private readonly scale: readonly number[],
    private readonly base: number,
  ) {}

  get features(): number {
    return this.center.length;
  }

  abstract toJSON(): ScalerJSON;

  transform(x: Tensor, out?: Tensor): Tensor {
    return this.apply("transform", x, out, (v, j) => (v - this.center[j]!) / this.scale[j]! + this.base);
  }

  inverseTransform(x: Tensor, out?: Tensor): Tensor {
    return this.apply(
      "inverseTransform",
      x,
      out,
      (v, j) => (v - this.base) * this.scale[j]! + this.center[j]!,
    );
  }

  private apply(
    method: string,
    x: Tensor,
    out: Tensor | undefined,
    f: (v: number, j: number) => number,
  ): Tensor {
    const name = `${this.op}.${method}`;
    const d = this.center.length;
    if (x.rank !== 2 || x.shape[1] !== d) {
      throw new DataError(name, `expected features of shape [m, ${d}], got ${formatShape(x.shape)}`);
    }
    const result = prepareOut(name, out, x.shape, x);
    const values = x.read();
    for (let i = 0; i < values.length; i++) values[i] = f(values[i]!, i % d);
    result.write(values);
    return result;
  }
}

/** z-score standardisation, x' = (x − μ) / σ per column, μ and σ (population) from the training features. */
export class StandardScaler extends AffineScaler {
  protected readonly op = "StandardScaler";

  private constructor(
    readonly mean: readonly number[],
    readonly std: readonly number[],
  ) {
    super(mean, std, 0);
  }

  /** Fits μ and σ on `features` ([n, d], the training split only); a constant column gets σ = 1. */
  static fit(features: Tensor): StandardScaler {
    const { mean, variance } = columnStats("StandardScaler", features);
    return new StandardScaler(
      mean,
      variance.map((v) => (v > 0 ? Math.sqrt(v) : 1)),
    );
  }

  /** Rebuilds a fitted scaler from what `toJSON` returned. */
  static fromJSON(json: StandardScalerJSON): StandardScaler {
    const op = "StandardScaler.fromJSON";
    const valid =
      json?.type === "standard" &&
      json.version === 1 &&
      isNumbers(json.mean) &&
      isNumbers(json.std) &&
      json.mean.length === json.std.length &&
      json.std.every((s) => s > 0);
    if (!valid) throw new DataError(op, `not a valid standard scaler: ${JSON.stringify(json)}`);
    return new StandardScaler([...json.mean], [...json.std]);
  }

  /** The fitted per-column mean and standard deviation, as JSON. */
  toJSON(): StandardScalerJSON {
    return { type: "standard", version: 1, mean: [...this.mean], std: [...this.std] };
  }
}

/** Options of `MinMaxScaler`: the interval [lo, hi] the training features are mapped to. */
export interface MinMaxOptions {
  /** The interval the training features are mapped to; [0, 1] unless given. */
  range?: readonly [number, number];
}

/** Min-max scaling, x' = lo + (x − min) · (hi − lo) / (max − min) per column, from the training features. */
export class MinMaxScaler extends AffineScaler {
  protected readonly op = "MinMaxScaler";

  private constructor(
    readonly min: readonly number[],
    readonly max: readonly number[],
    readonly range: readonly [number, number],
  ) {
    const [lo, hi] = range;
    super(
      min,
      min.map((m, j) => (max[j]! > m ? max[j]! - m : 1) / (hi - lo)),
      lo,
    );
  }

  /** Fits per-column min and max on `features` ([n, d], the training split only). */
  static fit(features: Tensor, options: MinMaxOptions = {}): MinMaxScaler {
    const range = options.range ?? [0, 1];
    checkRange("MinMaxScaler", range);
    const { min, max } = columnStats("MinMaxScaler", features);
    return new MinMaxScaler(min, max, [range[0], range[1]]);
  }

  /** Rebuilds a fitted scaler from what `toJSON` returned. */
  static fromJSON(json: MinMaxScalerJSON): MinMaxScaler {
    const op = "MinMaxScaler.fromJSON";
    const valid =
      json?.type === "minmax" &&
      json.version === 1 &&
      isNumbers(json.min) &&
      isNumbers(json.max) &&
      json.min.length === json.max.length &&
      json.min.every((m, j) => m <= json.max[j]!) &&
      isNumbers(json.range) &&
      json.range.length === 2;
    if (!valid) throw new DataError(op, `not a valid min-max scaler: ${JSON.stringify(json)}`);
    checkRange(op, json.range);
    return new MinMaxScaler([...json.min], [...json.max], [json.range[0], json.range[1]]);
  }

  /** The fitted per-column min and max and the target range, as JSON. */
  toJSON(): MinMaxScalerJSON {
    return {
      type: "minmax",
      version: 1,
      min: [...this.min],
      max: [...this.max],
      range: [this.range[0], this.range[1]],
    };
  }
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === "number" && Number.isFinite(v));
}

function checkRange(op: string, range: readonly number[]): void {
  if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0]! < range[1]!)) {
    throw new DataError(op, `range must be [lo, hi] with lo < hi, got ${JSON.stringify(range)}`);
  }
}

/** Rebuilds a scaler from `toJSON()` output (e.g. read back from a model's saved preprocessing). */
export function scalerFromJSON(json: ScalerJSON): Scaler {
  switch (json?.type) {
    case "standard":
      return StandardScaler.fromJSON(json);
    case "minmax":
      return MinMaxScaler.fromJSON(json);
    default:
      throw new DataError(
        "scalerFromJSON",
        `expected type "standard" or "minmax", got ${JSON.stringify(json)}`,
      );
  }
}
