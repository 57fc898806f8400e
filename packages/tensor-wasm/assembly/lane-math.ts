// The lane-wise float32 math of elementwise programs: the opcodes without an f32x4 instruction, one
// lane at a time. Programs compiled at run time (src/program-module.ts) import these two exports.
import { erfc } from "./erfc";

// Opcodes (as in @backprop/tensor's program.ts).
const EXP = 7;
const EXPM1 = 8;
const LOG = 9;
const LOG1P = 10;
const TANH = 11;
const COSH = 12;
const ERFC = 13;
// 14 SIGN: the default.

/** f(x) of a unary opcode: musl's float routines via Mathf; erfc in double. */
export function laneUnary(op: i32, x: f32): f32 {
  switch (op) {
    case EXP:
      return Mathf.exp(x);
    case EXPM1:
      return Mathf.expm1(x);
    case LOG:
      return Mathf.log(x);
    case LOG1P:
      return Mathf.log1p(x);
    case TANH:
      return Mathf.tanh(x);
    case COSH:
      return Mathf.cosh(x);
    case ERFC:
      return <f32>erfc(<f64>x);
    default:
      // SIGN: −1, 1, or x itself for ±0 and NaN (Math.sign).
      return x > 0 ? 1 : x < 0 ? -1 : x;
  }
}

/** x ** y as JavaScript's Math.pow: musl's powf, except that JS gives NaN for y NaN and for (±1) ** ±∞. */
export function lanePow(x: f32, y: f32): f32 {
  if (F32.isNaN(y) || (Mathf.abs(x) === 1 && Mathf.abs(y) === Infinity)) return NaN;
  return Mathf.pow(x, y);
}
