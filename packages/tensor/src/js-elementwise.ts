import type { FloatArray } from "./dtype.js";
import { erfc } from "./erf.js";
import { type ElementwiseProgram, FINITE_BELOW, INSTRUCTION_SIZE, Op } from "./program.js";

/** Elements per block: each instruction runs over a block of registers in one tight loop. */
export const BLOCK = 256;

/**
 * The JS backend's elementwise interpreter. The m×n space runs in blocks of `BLOCK` elements; per
 * block every instruction is one `switch` and one loop over Float64Array registers, so each register
 * holds a double whatever the dtype (float64 programs give exactly what double arithmetic in
 * instruction order gives; float32 results are rounded once, at STORE). SUM adds in element order;
 * NONFINITE compares with the limit of the tensors' dtype (all of one program's share it).
 * `registers` is scratch of at least `program.registers · BLOCK` doubles.
 */
export function runElementwise(
  program: ElementwiseProgram,
  m: number,
  n: number,
  inputs: readonly FloatArray[],
  scalars: Float64Array,
  outputs: readonly FloatArray[],
  sums: Float64Array,
  registers: Float64Array,
): void {
  const total = m * n;
  const { code } = program;
  const layouts = program.inputs;
  const r = registers;
  const finiteBelow =
    (outputs[0] ?? inputs[0]) instanceof Float32Array ? FINITE_BELOW.float32 : FINITE_BELOW.float64;
  for (let start = 0; start < total; start += BLOCK) {
    const len = Math.min(BLOCK, total - start);
    const row0 = Math.floor(start / n);
    const column0 = start - row0 * n;
    for (let p = 0; p < code.length; p += INSTRUCTION_SIZE) {
      const op = code[p]!;
      const d = code[p + 1]! * BLOCK;
      const a = code[p + 2]!;
      const ra = a * BLOCK;
      const rb = code[p + 3]! * BLOCK;
      const rc = code[p + 4]! * BLOCK;
      switch (op) {
        case Op.LOAD: {
          const x = inputs[a]!;
          const layout = layouts[a];
          if (layout === "full") {
            for (let k = 0; k < len; k++) r[d + k] = x[start + k]!;
          } else if (layout === "row") {
            let j = column0;
            for (let k = 0; k < len; k++) {
              r[d + k] = x[j]!;
              if (++j === n) j = 0;
            }
          } else {
            let i = row0;
            let j = column0;
            for (let k = 0; k < len; k++) {
              r[d + k] = x[i]!;
              if (++j === n) {
                j = 0;
                i++;
              }
            }
          }
          break;
        }
        case Op.SCALAR: {
          r.fill(scalars[a]!, d, d + len);
          break;
        }
        case Op.ROW_INDEX: {
          let i = row0;
          let j = column0;
          for (let k = 0; k < len; k++) {
            r[d + k] = i;
            if (++j === n) {
              j = 0;
              i++;
            }
          }
          break;
        }
        case Op.COLUMN_INDEX: {
          let j = column0;
          for (let k = 0; k < len; k++) {
            r[d + k] = j;
            if (++j === n) j = 0;
          }
          break;
        }
        case Op.NEG:
          for (let k = 0; k < len; k++) r[d + k] = -r[ra + k]!;
          break;
        case Op.ABS:
          for (let k = 0; k < len; k++) r[d + k] = Math.abs(r[ra + k]!);
          break;
        case Op.SQRT:
          for (let k = 0; k < len; k++) r[d + k] = Math.sqrt(r[ra + k]!);
          break;
        case Op.EXP:
          for (let k = 0; k < len; k++) r[d + k] = Math.exp(r[ra + k]!);
          break;
        case Op.EXPM1:
          for (let k = 0; k < len; k++) r[d + k] = Math.expm1(r[ra + k]!);
          break;
        case Op.LOG:
          for (let k = 0; k < len; k++) r[d + k] = Math.log(r[ra + k]!);
          break;
        case Op.LOG1P:
          for (let k = 0; k < len; k++) r[d + k] = Math.log1p(r[ra + k]!);
          break;
        case Op.TANH:
          for (let k = 0; k < len; k++) r[d + k] = Math.tanh(r[ra + k]!);
          break;
        case Op.COSH:
          for (let k = 0; k < len; k++) r[d + k] = Math.cosh(r[ra + k]!);
          break;
        case Op.ERFC:
          for (let k = 0; k < len; k++) r[d + k] = erfc(r[ra + k]!);
          break;
        case Op.SIGN:
          for (let k = 0; k < len; k++) r[d + k] = Math.sign(r[ra + k]!);
          break;
        case Op.ADD:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! + r[rb + k]!;
          break;
        case Op.SUB:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! - r[rb + k]!;
          break;
        case Op.MUL:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! * r[rb + k]!;
          break;
        case Op.DIV:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! / r[rb + k]!;
          break;
        case Op.MAX:
          for (let k = 0; k < len; k++) r[d + k] = Math.max(r[ra + k]!, r[rb + k]!);
          break;
        case Op.MIN:
          for (let k = 0; k < len; k++) r[d + k] = Math.min(r[ra + k]!, r[rb + k]!);
          break;
        case Op.LT:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! < r[rb + k]! ? 1 : 0;
          break;
        case Op.LE:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! <= r[rb + k]! ? 1 : 0;
          break;
        case Op.GT:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! > r[rb + k]! ? 1 : 0;
          break;
        case Op.GE:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! >= r[rb + k]! ? 1 : 0;
          break;
        case Op.EQ:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! === r[rb + k]! ? 1 : 0;
          break;
        case Op.POW:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! ** r[rb + k]!;
          break;
        case Op.SELECT:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! !== 0 ? r[rb + k]! : r[rc + k]!;
          break;
        case Op.MUL_ADD:
          for (let k = 0; k < len; k++) r[d + k] = r[ra + k]! * r[rb + k]! + r[rc + k]!;
          break;
        case Op.STORE: {
          const out = outputs[a]!;
          for (let k = 0; k < len; k++) out[start + k] = r[d + k]!;
          break;
        }
        case Op.SUM: {
          let s = sums[a]!;
          for (let k = 0; k < len; k++) s += r[d + k]!;
          sums[a] = s;
          break;
        }
        case Op.NONFINITE: {
          if (sums[a] !== 0) break;
          for (let k = 0; k < len; k++) {
            if (!(Math.abs(r[d + k]!) < finiteBelow)) {
              sums[a] = 1;
              break;
            }
          }
          break;
        }
        default:
          throw new Error(`elementwise: unknown opcode ${op} at instruction ${p / INSTRUCTION_SIZE}`);
      }
    }
  }
}
