import { DTypeError, formatShape, type Tensor } from "@backprop/tensor";

/**
 * Throws a DTypeError naming `what` unless `t` is float64: centred differences with ε = 1e-6 need
 * the 16 digits of float64 (in float32, f(x ± ε) differ by rounding noise of the size of the step).
 */
export function requireFloat64(op: string, what: string, t: Tensor): void {
  if (t.dtype !== "float64") {
    throw new DTypeError(
      `${op}: ${what} is ${t.dtype}${formatShape(t.shape)}, expected float64: gradient checks need float64 ` +
        '(create it with { dtype: "float64" })',
    );
  }
}
