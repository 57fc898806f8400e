/**
 * The elementwise program: the small IR every backend runs through `Backend.elementwise`. An
 * expression over tensors (see expr.ts) compiles to one program; a backend runs it once per element
 * of an m×n index space, in one pass over the data, holding each intermediate value in a register.
 */

/** How an input is indexed at element e = i·n + j: "full" x[e], "row" x[j] (length n), "column" x[i] (length m). */
export type InputLayout = "full" | "row" | "column";

/** A compiled elementwise pass: its instructions and the operand counts a backend checks them against. */
export interface ElementwiseProgram {
  /** Instructions, `INSTRUCTION_SIZE` int32 each: [op, dst, a, b, c] (unused operands 0). */
  readonly code: Int32Array;
  /** Number of registers (each holds one value per element). */
  readonly registers: number;
  /** How each input is indexed. */
  readonly inputs: readonly InputLayout[];
  /** Number of full (m·n) outputs. */
  readonly outputs: number;
  /** Number of float64 accumulators: SUM's and NONFINITE's. */
  readonly sums: number;
  /** Number of scalar slots. */
  readonly scalars: number;
}

/** Int32 words per instruction: op, dst, a, b, c. */
export const INSTRUCTION_SIZE = 5;

/**
 * The opcodes, with fixed numbers (the AssemblyScript kernels mirror them). Per element, with r the
 * registers: unary ops read r[a], binary r[a] and r[b]; comparisons give 1 or 0 (0 when either is NaN).
 * A backend computes float64 programs exactly in double arithmetic in instruction order; MUL_ADD is
 * rounded twice (never a fused fma), so every backend gives the same result.
 */
export const Op = {
  /** r[dst] = inputs[a] at this element (per its layout) */
  LOAD: 0,
  /** r[dst] = scalars[a] */
  SCALAR: 1,
  /** r[dst] = i, the row of this element */
  ROW_INDEX: 2,
  /** r[dst] = j, the column of this element */
  COLUMN_INDEX: 3,
  /** −r[a] */
  NEG: 4,
  /** |r[a]| */
  ABS: 5,
  /** √r[a] */
  SQRT: 6,
  /** e^r[a] */
  EXP: 7,
  /** e^r[a] − 1 */
  EXPM1: 8,
  /** ln r[a] */
  LOG: 9,
  /** ln(1 + r[a]) */
  LOG1P: 10,
  /** tanh r[a] */
  TANH: 11,
  /** cosh r[a] */
  COSH: 12,
  /** erfc r[a] = 1 − erf r[a] (Cody's approximation, accurate in the tail) */
  ERFC: 13,
  /** −1, 0 or 1 by the sign of r[a] (NaN stays NaN, −0 stays −0) */
  SIGN: 14,
  /** r[a] + r[b] */
  ADD: 20,
  /** r[a] − r[b] */
  SUB: 21,
  /** r[a] · r[b] */
  MUL: 22,
  /** r[a] / r[b] */
  DIV: 23,
  /** max(r[a], r[b]), NaN if either is NaN (Math.max) */
  MAX: 24,
  /** min(r[a], r[b]), NaN if either is NaN (Math.min) */
  MIN: 25,
  /** r[a] < r[b] ? 1 : 0 */
  LT: 26,
  /** r[a] ≤ r[b] ? 1 : 0 */
  LE: 27,
  /** r[a] > r[b] ? 1 : 0 */
  GT: 28,
  /** r[a] ≥ r[b] ? 1 : 0 */
  GE: 29,
  /** r[a] = r[b] ? 1 : 0 */
  EQ: 30,
  /** r[a] ** r[b] (Math.pow) */
  POW: 31,
  /** r[a] ≠ 0 ? r[b] : r[c] (NaN ≠ 0, so a NaN condition picks r[b]) */
  SELECT: 40,
  /** r[a]·r[b] + r[c], rounded after the product and after the sum */
  MUL_ADD: 41,
  /** outputs[a] at this element = r[dst], rounded to the output's dtype */
  STORE: 50,
  /** sums[a] += r[dst] (float64, in element order) */
  SUM: 51,
  /**
   * sums[a] made nonzero (by an amount of the backend's choosing) if r[dst] is NaN or ±∞ as stored
   * in the program's dtype, else left as it is: a float32 program's double 2¹²⁸ − 2¹⁰³ or more in
   * magnitude counts, as it rounds to ±∞.
   */
  NONFINITE: 52,
} as const;

/** |x| below this is stored as a finite number of the dtype: doubles round to ±∞ in float32 from 2¹²⁸ − 2¹⁰³ on. */
export const FINITE_BELOW = { float32: 2 ** 128 - 2 ** 103, float64: Number.POSITIVE_INFINITY } as const;

/** The name of an opcode, e.g. "MUL_ADD". */
export type OpName = keyof typeof Op;
/** The number of an opcode, as it appears in `ElementwiseProgram.code`. */
export type Opcode = (typeof Op)[OpName];

/** Human-readable listing of a program, one instruction a line (for error messages and debugging). */
export function formatProgram(program: ElementwiseProgram): string {
  const names = new Map<number, string>(Object.entries(Op).map(([name, code]) => [code, name]));
  const lines: string[] = [];
  const { code } = program;
  for (let p = 0; p < code.length; p += INSTRUCTION_SIZE) {
    const [op, dst, a, b, c] = code.subarray(p, p + INSTRUCTION_SIZE);
    lines.push(`${names.get(op!) ?? `op${op}`} r${dst} ${a} ${b} ${c}`);
  }
  return lines.join("\n");
}
