import { erfc } from "../erf.js";
import { type ElementwiseProgram, INSTRUCTION_SIZE, Op } from "../program.js";

/** One opcode on scalars, straight from the table in program.ts (tests' independent reading of it). */
export function applyOp(op: number, a: number, b: number, c: number): number {
  switch (op) {
    case Op.NEG:
      return -a;
    case Op.ABS:
      return Math.abs(a);
    case Op.SQRT:
      return Math.sqrt(a);
    case Op.EXP:
      return Math.exp(a);
    case Op.EXPM1:
      return Math.expm1(a);
    case Op.LOG:
      return Math.log(a);
    case Op.LOG1P:
      return Math.log1p(a);
    case Op.TANH:
      return Math.tanh(a);
    case Op.COSH:
      return Math.cosh(a);
    case Op.ERFC:
      return erfc(a);
    case Op.SIGN:
      return Math.sign(a);
    case Op.ADD:
      return a + b;
    case Op.SUB:
      return a - b;
    case Op.MUL:
      return a * b;
    case Op.DIV:
      return a / b;
    case Op.MAX:
      return Math.max(a, b);
    case Op.MIN:
      return Math.min(a, b);
    case Op.LT:
      return a < b ? 1 : 0;
    case Op.LE:
      return a <= b ? 1 : 0;
    case Op.GT:
      return a > b ? 1 : 0;
    case Op.GE:
      return a >= b ? 1 : 0;
    case Op.EQ:
      return a === b ? 1 : 0;
    case Op.POW:
      return a ** b;
    case Op.SELECT:
      return a !== 0 ? b : c;
    case Op.MUL_ADD:
      return a * b + c;
    default:
      throw new Error(`applyOp: ${op} is not a computing opcode`);
  }
}

/**
 * A program run one element at a time, one instruction at a time, every register value passed
 * through `round` (identity: float64 semantics; Math.fround: a backend that computes float32 programs
 * in float32, as the wasm backend does).
 */
export function runPerElement(
  program: ElementwiseProgram,
  m: number,
  n: number,
  inputs: readonly ArrayLike<number>[],
  scalars: Float64Array,
  outputs: readonly { [k: number]: number }[],
  sums: Float64Array,
  round: (x: number) => number,
): void {
  const r = new Float64Array(program.registers);
  const { code } = program;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const e = i * n + j;
      for (let p = 0; p < code.length; p += INSTRUCTION_SIZE) {
        const op = code[p]!;
        const dst = code[p + 1]!;
        const a = code[p + 2]!;
        if (op === Op.LOAD) {
          const layout = program.inputs[a];
          r[dst] = round(inputs[a]![layout === "full" ? e : layout === "row" ? j : i]!);
        } else if (op === Op.SCALAR) r[dst] = round(scalars[a]!);
        else if (op === Op.ROW_INDEX) r[dst] = i;
        else if (op === Op.COLUMN_INDEX) r[dst] = j;
        else if (op === Op.STORE) outputs[a]![e] = r[dst]!;
        else if (op === Op.SUM) sums[a] = sums[a]! + r[dst]!;
        else if (op === Op.NONFINITE) {
          if (!Number.isFinite(r[dst]!)) sums[a] = 1;
        } else r[dst] = round(applyOp(op, r[a]!, r[code[p + 3]!]!, r[code[p + 4]!]!));
      }
    }
  }
}
