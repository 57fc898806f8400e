import { constant, type Expr } from "@backprop/tensor";

/*
 * Activation functions h and their derivatives h′, each written once, as an expression of the
 * pre-activation a (an `Expr` of @backprop/tensor): the activation layers and Dense's fused epilogue
 * `evaluate` them over a whole tensor in one pass on its backend. The notes use h in
 * z^(l) = h^(l-1)(a^(l)) and h′ in δ^(l-1) = h′(a^(l-1)) ⊙ (W^(l-1))ᵀ δ^(l). Derivatives at kinks
 * follow PyTorch (ReLU′(0) = 0, LeakyReLU′(0) = slope). Each formula keeps the operation order of a
 * plain float64 evaluation, so float64 results are exactly those of JS arithmetic on doubles.
 */

/** An elementwise activation: z = h(a) and the chain-rule factor δ_a = h′(a) ⊙ δ_z, as expressions. */
export interface ActivationFunction {
  /** z = h(a) */
  h(a: Expr): Expr;
  /** δ_a = h′(a) ⊙ δ_z */
  chainRule(a: Expr, dz: Expr): Expr;
}

/** An activation from h and h′: δ_a = h′(a)·δ_z. */
function fromDerivative(h: (a: Expr) => Expr, dh: (a: Expr) => Expr): ActivationFunction {
  return { h, chainRule: (a, dz) => dh(a).mul(dz) };
}

/** σ(x) = 1/(1 + e^{−x}), evaluated as e^{x}/(1 + e^{x}) for x < 0 so that e^{−x} never overflows. */
function logistic(x: Expr): Expr {
  const e = x.exp();
  return x.ge(0).select(constant(1).div(constant(1).add(x.neg().exp())), e.div(constant(1).add(e)));
}

/** Φ(x) = ½ erfc(−x/√2), the standard normal CDF (erfc keeps the left tail exact). */
function normalCdf(x: Expr): Expr {
  return constant(0.5).mul(x.neg().mul(Math.SQRT1_2).erfc());
}

/** φ(x) = e^{−x²/2}/√(2π), the standard normal density. */
function normalPdf(x: Expr): Expr {
  return constant(-0.5)
    .mul(x)
    .mul(x)
    .exp()
    .div(Math.sqrt(2 * Math.PI));
}

/** h^(0) = I: identity(a) = a, identity′ = 1. */
export const identity: ActivationFunction = fromDerivative(
  (a) => a,
  () => constant(1),
);

/** σ(a) = 1/(1 + e^{−a}); σ′(a) = σ(a)(1 − σ(a)), evaluated as σ(a)·σ(−a) (1 − σ(a) cancels for large a). */
export const sigmoid: ActivationFunction = fromDerivative(logistic, (a) =>
  logistic(a).mul(logistic(a.neg())),
);

/** tanh(a); tanh′(a) = 1 − tanh²(a), evaluated as 1/cosh²(a) (1 − tanh² cancels for large |a|). */
export const tanh: ActivationFunction = fromDerivative(
  (a) => a.tanh(),
  (a) => {
    const c = a.cosh();
    return constant(1).div(c.mul(c));
  },
);

/**
 * ReLU(a) = max(a, 0) (NaN stays NaN, as in PyTorch); ReLU′(a) = 1[a > 0] (0 at the kink), applied as
 * δ_a = a > 0 ? δ_z : 0, which, like PyTorch's threshold_backward, is 0 where a ≤ 0 even for a
 * non-finite δ_z.
 */
export const relu: ActivationFunction = {
  h: (a) => a.max(0),
  chainRule: (a, dz) => a.gt(0).select(dz, 0),
};

/** LeakyReLU(a) = a if a > 0 else slope·a (PyTorch's default slope 0.01); LeakyReLU′ = 1 if a > 0 else slope. */
export function leakyRelu(slope = 0.01): ActivationFunction {
  return fromDerivative(
    (a) => a.gt(0).select(a, constant(slope).mul(a)),
    (a) => a.gt(0).select(1, slope),
  );
}

/** ELU(a) = a if a > 0 else α(e^{a} − 1) (expm1, exact near 0); ELU′ = 1 if a > 0 else α·e^{a}. */
export function elu(alpha = 1): ActivationFunction {
  return fromDerivative(
    (a) => a.gt(0).select(a, constant(alpha).mul(a.expm1())),
    (a) => a.gt(0).select(1, constant(alpha).mul(a.exp())),
  );
}

/** GELU(a) = a·Φ(a) = ½a(1 + erf(a/√2)) (exact; PyTorch's approximate="none"); GELU′ = Φ(a) + a·φ(a). */
export const gelu: ActivationFunction = fromDerivative(
  (a) => a.mul(normalCdf(a)),
  (a) => normalCdf(a).add(a.mul(normalPdf(a))),
);

const GELU_TANH_C = Math.sqrt(2 / Math.PI);
const GELU_TANH_K = 0.044715;

/** 2u = 2·√(2/π)(a + 0.044715a³), the argument of σ in GELU_tanh. */
function geluTanhArgument(a: Expr): Expr {
  return constant(2 * GELU_TANH_C).mul(a.add(constant(GELU_TANH_K).mul(a).mul(a).mul(a)));
}

/**
 * GELU_tanh(a) = ½a(1 + tanh(u)), u = √(2/π)(a + 0.044715a³) (PyTorch's approximate="tanh"),
 * evaluated as a·σ(2u) since ½(1 + tanh(u)) = σ(2u) (no cancellation for a ≪ 0).
 * GELU_tanh′(a) = ½(1 + tanh u) + ½a(1 − tanh² u)·√(2/π)(1 + 3·0.044715a²), evaluated with
 * ½(1 + tanh u) = σ(2u) and ½(1 − tanh² u) = 2σ(2u)σ(−2u).
 */
export const geluTanh: ActivationFunction = fromDerivative(
  (a) => a.mul(logistic(geluTanhArgument(a))),
  (a) => {
    const u2 = geluTanhArgument(a);
    const s = logistic(u2);
    const slope = constant(1).add(
      constant(3 * GELU_TANH_K)
        .mul(a)
        .mul(a),
    );
    return s.add(constant(2).mul(a).mul(s).mul(logistic(u2.neg())).mul(GELU_TANH_C).mul(slope));
  },
);

/**
 * softplus(a) = (1/β)·log(1 + e^{βa}), and a itself once βa > threshold (PyTorch's defaults β = 1,
 * threshold = 20); log1p(e^{βa}) never overflows below the threshold and is exact for βa ≪ 0.
 * softplus′(a) = σ(βa), and 1 once βa > threshold.
 */
export function softplus(beta = 1, threshold = 20): ActivationFunction {
  return fromDerivative(
    (a) => {
      const ba = constant(beta).mul(a);
      return ba.gt(threshold).select(a, ba.exp().log1p().div(beta));
    },
    (a) => {
      const ba = constant(beta).mul(a);
      return ba.gt(threshold).select(1, logistic(ba));
    },
  );
}

/** SiLU(a) = a·σ(a) (also called swish); SiLU′ = σ(a)(1 + a(1 − σ(a))), with 1 − σ(a) = σ(−a). */
export const silu: ActivationFunction = fromDerivative(
  (a) => a.mul(logistic(a)),
  (a) => logistic(a).mul(constant(1).add(a.mul(logistic(a.neg())))),
);
