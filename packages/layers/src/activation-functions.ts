import { erfc } from "./erf.js";

/*
 * Activation functions h and their derivatives h′, as pure scalar functions. The notes use h in
 * z^(l) = h^(l-1)(a^(l)) and h′ in δ^(l-1) = h′(a^(l-1)) ⊙ (W^(l-1))ᵀ δ^(l); the activation layers
 * apply these elementwise. Derivatives at kinks follow PyTorch (ReLU′(0) = 0, LeakyReLU′(0) = slope).
 */

/** h^(0) = I: identity(x) = x. */
export function identity(x: number): number {
  return x;
}

/** identity′(x) = 1 */
export function identityDerivative(_x: number): number {
  return 1;
}

/** σ(x) = 1/(1 + e^{−x}), evaluated as e^{x}/(1 + e^{x}) for x < 0 so that e^{−x} never overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** σ′(x) = σ(x)(1 − σ(x)), evaluated as σ(x)·σ(−x) (1 − σ(x) would cancel for large x). */
export function sigmoidDerivative(x: number): number {
  return sigmoid(x) * sigmoid(-x);
}

/** tanh(x) = (e^{x} − e^{−x})/(e^{x} + e^{−x}) */
export function tanh(x: number): number {
  return Math.tanh(x);
}

/** tanh′(x) = 1 − tanh²(x), evaluated as 1/cosh²(x) (1 − tanh² cancels for large |x|). */
export function tanhDerivative(x: number): number {
  const c = Math.cosh(x);
  return 1 / (c * c);
}

/** ReLU(x) = max(x, 0) (NaN stays NaN, as in PyTorch) */
export function relu(x: number): number {
  return Math.max(x, 0);
}

/** ReLU′(x) = 1 if x > 0 else 0 (0 at the kink, as PyTorch) */
export function reluDerivative(x: number): number {
  return x > 0 ? 1 : 0;
}

/** LeakyReLU(x) = x if x > 0 else slope·x (PyTorch's default slope 0.01) */
export function leakyRelu(x: number, slope = 0.01): number {
  return x > 0 ? x : slope * x;
}

/** LeakyReLU′(x) = 1 if x > 0 else slope */
export function leakyReluDerivative(x: number, slope = 0.01): number {
  return x > 0 ? 1 : slope;
}

/** ELU(x) = x if x > 0 else α(e^{x} − 1) (expm1, exact near 0) */
export function elu(x: number, alpha = 1): number {
  return x > 0 ? x : alpha * Math.expm1(x);
}

/** ELU′(x) = 1 if x > 0 else α·e^{x} */
export function eluDerivative(x: number, alpha = 1): number {
  return x > 0 ? 1 : alpha * Math.exp(x);
}

/** Φ(x) = ½ erfc(−x/√2), the standard normal CDF (erfc keeps the left tail exact). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** φ(x) = e^{−x²/2}/√(2π), the standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** GELU(x) = x·Φ(x) = ½x(1 + erf(x/√2)) (exact; PyTorch's approximate="none") */
export function gelu(x: number): number {
  return x * normalCdf(x);
}

/** GELU′(x) = Φ(x) + x·φ(x) */
export function geluDerivative(x: number): number {
  return normalCdf(x) + x * normalPdf(x);
}

const GELU_TANH_C = Math.sqrt(2 / Math.PI);
const GELU_TANH_K = 0.044715;

/**
 * GELU_tanh(x) = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³) (PyTorch's approximate="tanh"),
 * evaluated as x·σ(2u) since ½(1 + tanh(u)) = σ(2u) (no cancellation for x ≪ 0).
 */
export function geluTanh(x: number): number {
  return x * sigmoid(2 * GELU_TANH_C * (x + GELU_TANH_K * x * x * x));
}

/**
 * GELU_tanh′(x) = ½(1 + tanh u) + ½x(1 − tanh² u)·√(2/π)(1 + 3·0.044715x²), evaluated with
 * ½(1 + tanh u) = σ(2u) and ½(1 − tanh² u) = 2σ(2u)σ(−2u).
 */
export function geluTanhDerivative(x: number): number {
  const u2 = 2 * GELU_TANH_C * (x + GELU_TANH_K * x * x * x);
  const s = sigmoid(u2);
  return s + 2 * x * s * sigmoid(-u2) * GELU_TANH_C * (1 + 3 * GELU_TANH_K * x * x);
}

/**
 * softplus(x) = (1/β)·log(1 + e^{βx}), and x itself once βx > threshold (PyTorch's defaults β = 1,
 * threshold = 20). log1p(e^{βx}) never overflows below the threshold and is exact for βx ≪ 0.
 */
export function softplus(x: number, beta = 1, threshold = 20): number {
  const bx = beta * x;
  return bx > threshold ? x : Math.log1p(Math.exp(bx)) / beta;
}

/** softplus′(x) = σ(βx), and 1 once βx > threshold */
export function softplusDerivative(x: number, beta = 1, threshold = 20): number {
  const bx = beta * x;
  return bx > threshold ? 1 : sigmoid(bx);
}

/** SiLU(x) = x·σ(x) (also called swish) */
export function silu(x: number): number {
  return x * sigmoid(x);
}

/** SiLU′(x) = σ(x)(1 + x(1 − σ(x))), with 1 − σ(x) = σ(−x) */
export function siluDerivative(x: number): number {
  return sigmoid(x) * (1 + x * sigmoid(-x));
}
