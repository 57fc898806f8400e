import { allocateArray, formatShape, type Rng, type Tensor } from "@backprop/tensor";
import { LayerError } from "./errors.js";

/** fan_in and fan_out of a weight, as PyTorch's `_calculate_fan_in_and_fan_out` defines them. */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

/**
 * Fills `t` in place with draws from `rng`. `fans` are those of the layer's weight (a bias is
 * initialised from its weight's fan_in, as in PyTorch's nn.Linear).
 */
export type Initializer = (t: Tensor, rng: Rng, fans: Fans) => void;

/** For a weight [out, in, ...receptive field]: fan_in = in·receptive, fan_out = out·receptive. */
export function computeFans(shape: readonly number[]): Fans {
  if (shape.length < 2) {
    throw new LayerError(
      `computeFans: fan in and fan out need a weight of rank ≥ 2, got shape ${formatShape(shape)}`,
    );
  }
  let receptive = 1;
  for (let d = 2; d < shape.length; d++) receptive *= shape[d]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** Nonlinearities with a recommended gain (PyTorch's `calculate_gain`). */
export type Nonlinearity = "linear" | "identity" | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "selu";

/**
 * The gain that keeps activations' variance stable through `nonlinearity`: 1 for linear, identity
 * and sigmoid, 5/3 for tanh, √2 for ReLU, √(2/(1 + slope²)) for leaky ReLU (slope default 0.01),
 * 3/4 for SELU.
 */
export function calculateGain(nonlinearity: Nonlinearity, slope = 0.01): number {
  switch (nonlinearity) {
    case "linear":
    case "identity":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leakyRelu":
      return Math.sqrt(2 / (1 + slope * slope));
    case "selu":
      return 3 / 4;
  }
  throw new LayerError(`calculateGain: unknown nonlinearity ${JSON.stringify(nonlinearity)}`);
}

/** Writes `draw()` into every element of `t`, row-major (the draws are made in JS, then written once). */
function fillWith(t: Tensor, draw: () => number): void {
  const values = allocateArray(t.dtype, t.size);
  for (let i = 0; i < values.length; i++) values[i] = draw();
  t.write(values);
}

function fillUniform(t: Tensor, rng: Rng, low: number, high: number): void {
  fillWith(t, () => rng.uniformIn(low, high));
}

function fillNormal(t: Tensor, rng: Rng, mean: number, std: number): void {
  fillWith(t, () => mean + std * rng.normal());
}

function positiveFan(name: string, fan: number): number {
  if (fan <= 0)
    throw new LayerError(`${name}: the weight has fan ${fan}; the initialiser needs a positive fan`);
  return fan;
}

/** W = 0 */
export function zerosInit(): Initializer {
  return constantInit(0);
}

/** W = value */
export function constantInit(value: number): Initializer {
  return (t) => fillWith(t, () => value);
}

/** W ~ U(low, high) */
export function uniformInit(low = 0, high = 1): Initializer {
  return (t, rng) => fillUniform(t, rng, low, high);
}

/** W ~ N(mean, std²) */
export function normalInit(mean = 0, std = 1): Initializer {
  return (t, rng) => fillNormal(t, rng, mean, std);
}

/** Glorot/Xavier uniform: W ~ U(−b, b), b = gain·√(6/(fan_in + fan_out)). */
export function glorotUniform(gain = 1): Initializer {
  return (t, rng, { fanIn, fanOut }) => {
    const bound = gain * Math.sqrt(6 / positiveFan("glorotUniform", fanIn + fanOut));
    fillUniform(t, rng, -bound, bound);
  };
}

/** Glorot/Xavier normal: W ~ N(0, σ²), σ = gain·√(2/(fan_in + fan_out)). */
export function glorotNormal(gain = 1): Initializer {
  return (t, rng, { fanIn, fanOut }) =>
    fillNormal(t, rng, 0, gain * Math.sqrt(2 / positiveFan("glorotNormal", fanIn + fanOut)));
}

/** Options of the He (Kaiming) initialisers: the leaky-ReLU slope, fan mode and nonlinearity, as PyTorch's kaiming_*_. */
export interface HeOptions {
  /** Negative slope of the leaky ReLU that follows (PyTorch's `a`), default 0. */
  a?: number;
  /** Preserve the variance of the forward pass ("fanIn", default) or of the backward pass ("fanOut"). */
  mode?: "fanIn" | "fanOut";
  /** Default "leakyRelu" (with a = 0 that is ReLU's gain √2), as PyTorch's kaiming_*_. */
  nonlinearity?: Nonlinearity;
}

function heStd(name: string, options: HeOptions, fans: Fans): number {
  const gain = calculateGain(options.nonlinearity ?? "leakyRelu", options.a ?? 0);
  return gain / Math.sqrt(positiveFan(name, options.mode === "fanOut" ? fans.fanOut : fans.fanIn));
}

/** He/Kaiming uniform: W ~ U(−b, b), b = gain·√(3/fan), gain √2 for ReLU (√(2/(1 + a²)) for leaky ReLU). */
export function heUniform(options: HeOptions = {}): Initializer {
  return (t, rng, fans) => {
    const bound = Math.sqrt(3) * heStd("heUniform", options, fans);
    fillUniform(t, rng, -bound, bound);
  };
}

/** He/Kaiming normal: W ~ N(0, σ²), σ = gain/√fan. */
export function heNormal(options: HeOptions = {}): Initializer {
  return (t, rng, fans) => fillNormal(t, rng, 0, heStd("heNormal", options, fans));
}

/** LeCun uniform: W ~ U(−b, b), b = √(3/fan_in). */
export function lecunUniform(): Initializer {
  return (t, rng, { fanIn }) => {
    const bound = Math.sqrt(3 / positiveFan("lecunUniform", fanIn));
    fillUniform(t, rng, -bound, bound);
  };
}

/** LeCun normal: W ~ N(0, σ²), σ = √(1/fan_in) (a plain normal; Keras truncates it). */
export function lecunNormal(): Initializer {
  return (t, rng, { fanIn }) => fillNormal(t, rng, 0, Math.sqrt(1 / positiveFan("lecunNormal", fanIn)));
}

/**
 * PyTorch nn.Linear's default weight: kaiming_uniform_(a = √5), i.e. gain √(2/(1 + 5)) = √(1/3) and
 * W ~ U(−1/√fan_in, 1/√fan_in).
 */
export function linearDefaultWeight(): Initializer {
  return heUniform({ a: Math.sqrt(5) });
}

/** PyTorch nn.Linear's default bias: b ~ U(−1/√fan_in, 1/√fan_in) with the weight's fan_in (0 when fan_in = 0). */
export function linearDefaultBias(): Initializer {
  return (t, rng, { fanIn }) => {
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    fillUniform(t, rng, -bound, bound);
  };
}

/** Initialisers by name (Xavier = Glorot, Kaiming = He); "default" is nn.Linear's weight initialiser. */
export type InitializerName =
  | "zeros"
  | "ones"
  | "glorotUniform"
  | "glorotNormal"
  | "xavierUniform"
  | "xavierNormal"
  | "heUniform"
  | "heNormal"
  | "kaimingUniform"
  | "kaimingNormal"
  | "lecunUniform"
  | "lecunNormal"
  | "default";

/** An initialiser, or the name of a built-in one. */
export type InitializerLike = Initializer | InitializerName;

/** The initialiser a name stands for (a function is returned as is). */
export function initializer(init: InitializerLike): Initializer {
  if (typeof init === "function") return init;
  switch (init) {
    case "zeros":
      return zerosInit();
    case "ones":
      return constantInit(1);
    case "glorotUniform":
    case "xavierUniform":
      return glorotUniform();
    case "glorotNormal":
    case "xavierNormal":
      return glorotNormal();
    case "heUniform":
    case "kaimingUniform":
      return heUniform();
    case "heNormal":
    case "kaimingNormal":
      return heNormal();
    case "lecunUniform":
      return lecunUniform();
    case "lecunNormal":
      return lecunNormal();
    case "default":
      return linearDefaultWeight();
  }
  throw new LayerError(`initializer: unknown initialiser ${JSON.stringify(init)}`);
}
