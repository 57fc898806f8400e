// The float32 elementwise program interpreter (Backend.elementwise): runs a program of @backprop/tensor's
// opcodes (program.ts; the numbers below mirror its `Op`) over an m×n index space, one block of up to
// BLOCK elements at a time, each register a block of floats in scratch, with f32x4 SIMD.
//
// The calling side writes a program descriptor into linear memory (layout: the H_* header words) and
// calls prepareElementwise once, then elementwiseChunk for every chunk (any thread, any order). The
// index space is cut into chunks of CHUNK elements, fixed whatever the thread count, and every chunk
// computes its sums into its own partials, which the caller adds in chunk order: so results do not
// depend on the number of threads.
import { erfc } from "./erfc";
import { sumFloats } from "./sum";

// Opcodes (as in @backprop/tensor's program.ts).
const LOAD = 0;
const SCALAR = 1;
const ROW_INDEX = 2;
const COLUMN_INDEX = 3;
const NEG = 4;
const ABS = 5;
const SQRT = 6;
const EXP = 7;
const EXPM1 = 8;
const LOG = 9;
const LOG1P = 10;
const TANH = 11;
const COSH = 12;
const ERFC = 13;
// 14 SIGN: the default of scalarUnary.
const ADD = 20;
const SUB = 21;
const MUL = 22;
const DIV = 23;
const MAX = 24;
const MIN = 25;
const LT = 26;
const LE = 27;
const GT = 28;
const GE = 29;
const EQ = 30;
// 31 POW: the default of binary.
const SELECT = 40;
const MUL_ADD = 41;
const STORE = 50;
const SUM = 51;

// Input layouts (the order of InputLayout's values on the calling side).
const FULL = 0;
// 1: row (x[j]).
const COLUMN = 2;

/** Elements per block: each register holds one block, so a program's registers stay in L1. */
const BLOCK: i32 = 512;
/** f32x4 vectors the op loops run per iteration; a register's block is a whole number of iterations. */
const UNROLL: i32 = 4;
const UNROLL_BYTES: usize = (<usize>UNROLL) << 4;
/** Elements per chunk, the unit of work a thread claims (a multiple of BLOCK). */
export const CHUNK: i32 = 8192;

// The descriptor header, i32 words; pointers are byte offsets into linear memory.
/** Number of instructions (5 i32 each at H_CODE). */
const H_COUNT = 0;
const H_REGISTERS = 1;
const H_SUMS = 2;
const H_M = 3;
const H_N = 4;
/** Set by prepareElementwise: 1 when no row/column input or index is used, so blocks may cross rows. */
const H_FLAT = 5;
const H_CODE = 6;
/** Per input: its byte pointer (i32) at H_INPUT_POINTERS, its layout at H_INPUT_LAYOUTS. */
const H_INPUT_POINTERS = 7;
const H_INPUT_LAYOUTS = 8;
const H_INPUTS = 9;
const H_OUTPUT_POINTERS = 10;
// Word 11: the number of outputs (written for completeness; STORE names its output).
/** The scalar slots, as f32. */
const H_SCALARS = 12;
/** f64 partial sums, H_SUMS per chunk. */
const H_PARTIALS = 13;
/**
 * Written by prepareElementwise: one i32 per instruction, how its register is held (the K_* kinds),
 * then one i32 per instruction, the output a K_STORED instruction writes, then a byte per register.
 */
const H_KINDS = 14;
/** i32 words of the header. */
export const HEADER_WORDS: i32 = 16;

/** A register with one value per element, in its scratch block. */
const K_VECTOR = 0;
/** A register with one value for the whole block (column inputs, the row index): one splat. */
const K_UNIFORM = 1;
/** A LOAD whose register reads the input's memory in place (no copy into scratch). */
const K_IN_PLACE = 2;
/** One value for the whole call (scalars and ops on them): computed once per chunk, in its own slot. */
const K_CONSTANT = 3;
/** A MUL folded into the instruction after it (see `fuseMultiplies`): nothing to run. */
const K_FOLDED = 4;
/**
 * A vector op whose register is stored by a later STORE (K_STORE_FOLDED, see `fuseStores`): in a
 * block of whole unrolled iterations it writes straight into that output, and the STORE is skipped.
 */
const K_STORED = 5;
const K_STORE_FOLDED = 6;

// Internal opcodes that prepareElementwise writes into its copy of the code (rounded twice, as the
// MUL and ADD/SUB they replace).
/** r[a]·r[b] − r[c] */
const MUL_SUB = 101;
/** r[c] − r[a]·r[b] */
const MUL_SUB_FROM = 102;

function word(desc: usize, h: i32): i32 {
  return load<i32>(desc + ((<usize>h) << 2));
}

function pointer(desc: usize, h: i32): usize {
  return <usize>word(desc, h);
}

/** The i32 at index `index` of the array whose pointer is header word `h`. */
function entry(desc: usize, h: i32, index: i32): i32 {
  return load<i32>(pointer(desc, h) + ((<usize>index) << 2));
}

/** Operand `field` (0 op, 1 dst, 2 a, 3 b, 4 c) of instruction `k`. */
function operand(code: usize, k: i32, field: i32): i32 {
  return load<i32>(code + ((<usize>(k * 5 + field)) << 2));
}

function setOperand(code: usize, k: i32, field: i32, value: i32): void {
  store<i32>(code + ((<usize>(k * 5 + field)) << 2), value);
}

/**
 * Scratch bytes one thread needs for a program with `registers` registers and `count` instructions:
 * per register a pointer, a stride and a block; per instruction a 16-byte slot for a constant.
 */
export function elementwiseScratchBytes(registers: i32, count: i32): i32 {
  return registers * (BLOCK * 4 + 8) + count * 16 + 96;
}

/** How many register operands (a, b, c) an opcode reads. */
function arity(op: i32): i32 {
  if (op <= COLUMN_INDEX) return 0;
  if (op < ADD) return 1;
  if (op < SELECT) return 2;
  return op === STORE || op === SUM ? 0 : 3;
}

/** Whether instruction k reads register r. */
function reads(code: usize, k: i32, r: i32): bool {
  const op = operand(code, k, 0);
  if (op === STORE || op === SUM) return operand(code, k, 1) === r;
  const n = arity(op);
  for (let f = 0; f < n; f++) if (operand(code, k, 2 + f) === r) return true;
  return false;
}

/** Whether instruction k writes register r (STORE and SUM write no register). */
function writes(code: usize, k: i32, r: i32): bool {
  const op = operand(code, k, 0);
  return op !== STORE && op !== SUM && operand(code, k, 1) === r;
}

/** Whether register r, written at instruction k, is read after instruction `after` before it is written again. */
function readLater(code: usize, count: i32, after: i32, r: i32): bool {
  for (let q = after + 1; q < count; q++) {
    if (reads(code, q, r)) return true;
    if (writes(code, q, r)) return false;
  }
  return false;
}

/**
 * Folds `MUL t a b` into the next instruction when that is ADD or SUB reading t once and t is not
 * read again: into MUL_ADD (a·b + c), MUL_SUB (a·b − c) or MUL_SUB_FROM (c − a·b), one pass instead
 * of two, rounded exactly as the two ops. The MUL is left in place as K_FOLDED.
 */
function fuseMultiplies(code: usize, count: i32, kinds: usize): void {
  for (let k = 0; k + 1 < count; k++) {
    if (operand(code, k, 0) !== MUL) continue;
    const t = operand(code, k, 1);
    const a = operand(code, k, 2);
    const b = operand(code, k, 3);
    const next = k + 1;
    const op = operand(code, next, 0);
    if (op !== ADD && op !== SUB) continue;
    const x = operand(code, next, 2);
    const y = operand(code, next, 3);
    if ((x === t) === (y === t)) continue;
    if (readLater(code, count, next, t) && operand(code, next, 1) !== t) continue;
    const other = x === t ? y : x;
    const fused = op === ADD ? MUL_ADD : x === t ? MUL_SUB : MUL_SUB_FROM;
    setOperand(code, next, 0, fused);
    setOperand(code, next, 2, a);
    setOperand(code, next, 3, b);
    setOperand(code, next, 4, other);
    store<i32>(kinds + ((<usize>k) << 2), K_FOLDED);
  }
}

/**
 * Prepares the descriptor's copy of the code: folds multiplies into the adds after them, and decides
 * per instruction how its register is held (K_*) and whether blocks may cross rows. A LOAD of a full
 * or row input reads the input in place unless an output that is the same memory is stored before
 * the register's last read (the program reads every element's inputs before it writes its outputs;
 * a copy keeps that true).
 */
export function prepareElementwise(desc: usize): void {
  const count = word(desc, H_COUNT);
  const registers = word(desc, H_REGISTERS);
  const code = pointer(desc, H_CODE);
  const kinds = pointer(desc, H_KINDS);
  memory.fill(kinds, 0, (<usize>count) << 2);
  fuseMultiplies(code, count, kinds);
  // The kind of each register's current definition (a byte per register), scratch for this pass.
  const current = kinds + ((<usize>count) << 3);
  memory.fill(current, <u8>K_VECTOR, <usize>registers);
  let flat = 1;
  for (let i = 0; i < word(desc, H_INPUTS); i++) if (entry(desc, H_INPUT_LAYOUTS, i) !== FULL) flat = 0;
  for (let k = 0; k < count; k++) {
    const op = operand(code, k, 0);
    const at = kinds + ((<usize>k) << 2);
    if (op === STORE || op === SUM || load<i32>(at) === K_FOLDED) continue;
    const dst = operand(code, k, 1);
    let kind = K_VECTOR;
    if (op === ROW_INDEX || op === COLUMN_INDEX) flat = 0;
    if (op === SCALAR) kind = K_CONSTANT;
    else if (op === ROW_INDEX) kind = K_UNIFORM;
    else if (op === LOAD) {
      const input = operand(code, k, 2);
      const layout = entry(desc, H_INPUT_LAYOUTS, input);
      if (layout === COLUMN) kind = K_UNIFORM;
      else if (mayReadInPlace(desc, code, count, k, dst, entry(desc, H_INPUT_POINTERS, input)))
        kind = K_IN_PLACE;
    } else if (op !== COLUMN_INDEX) {
      // An op is as constant as its least constant operand.
      kind = K_CONSTANT;
      const n = arity(op);
      for (let f = 0; f < n; f++) {
        const operandKind = <i32>load<u8>(current + <usize>operand(code, k, 2 + f));
        if (operandKind === K_UNIFORM && kind === K_CONSTANT) kind = K_UNIFORM;
        else if (operandKind !== K_UNIFORM && operandKind !== K_CONSTANT) kind = K_VECTOR;
      }
    }
    store<u8>(current + <usize>dst, <u8>(kind === K_IN_PLACE ? K_VECTOR : kind));
    store<i32>(at, kind);
  }
  store<i32>(desc + ((<usize>H_FLAT) << 2), flat);
  fuseStores(desc, code, count, kinds);
}

/** The instruction before q that last wrote register r, or −1. */
function definer(code: usize, q: i32, r: i32): i32 {
  for (let p = q - 1; p >= 0; p--) if (writes(code, p, r)) return p;
  return -1;
}

/** Whether instruction p is a LOAD of an input at memory `at`. */
function loadsFrom(desc: usize, code: usize, p: i32, at: i32): bool {
  return p >= 0 && operand(code, p, 0) === LOAD && entry(desc, H_INPUT_POINTERS, operand(code, p, 2)) === at;
}

/**
 * Lets the vector op that computes a stored register write the output itself (K_STORED) and skips
 * the STORE (K_STORE_FOLDED), when nothing after that op reads the output's memory as an input: no
 * LOAD of it, and no register loaded from it in place is read. (An op writing before the STORE
 * would otherwise change what such a read sees.) Its memory must be stored once only.
 */
function fuseStores(desc: usize, code: usize, count: i32, kinds: usize): void {
  const targets = kinds + ((<usize>count) << 2);
  for (let s = 0; s < count; s++) {
    if (operand(code, s, 0) !== STORE) continue;
    const r = operand(code, s, 1);
    const output = operand(code, s, 2);
    const at = entry(desc, H_OUTPUT_POINTERS, output);
    const k = definer(code, s, r);
    if (k < 0 || load<i32>(kinds + ((<usize>k) << 2)) !== K_VECTOR) continue;
    const op = operand(code, k, 0);
    if (op === LOAD || op === COLUMN_INDEX) continue;
    let safe = true;
    for (let q = 0; q < count && safe; q++) {
      const qOp = operand(code, q, 0);
      if (q !== s && qOp === STORE && entry(desc, H_OUTPUT_POINTERS, operand(code, q, 2)) === at)
        safe = false;
      if (q <= k || q === s) continue;
      if (loadsFrom(desc, code, q, at)) safe = false;
      for (let f = 0; f < 3 && safe; f++) {
        const isRead = qOp === STORE || qOp === SUM ? f === 0 : f < arity(qOp);
        if (!isRead) continue;
        const read = qOp === STORE || qOp === SUM ? operand(code, q, 1) : operand(code, q, 2 + f);
        const p = definer(code, q, read);
        if (p >= 0 && load<i32>(kinds + ((<usize>p) << 2)) === K_IN_PLACE && loadsFrom(desc, code, p, at))
          safe = false;
      }
    }
    if (!safe) continue;
    store<i32>(kinds + ((<usize>k) << 2), K_STORED);
    store<i32>(targets + ((<usize>k) << 2), output);
    store<i32>(kinds + ((<usize>s) << 2), K_STORE_FOLDED);
  }
}

/** True unless register r, loaded at instruction k from memory `at`, is read after a STORE into `at`. */
function mayReadInPlace(desc: usize, code: usize, count: i32, k: i32, r: i32, at: i32): bool {
  let stored = false;
  for (let q = k + 1; q < count; q++) {
    if (stored && reads(code, q, r)) return false;
    const op = operand(code, q, 0);
    if (op === STORE && entry(desc, H_OUTPUT_POINTERS, operand(code, q, 2)) === at) stored = true;
    if (writes(code, q, r)) return true;
  }
  return true;
}

/** Runs every chunk in [first, end) in order (the one-thread path). */
export function elementwiseChunks(desc: usize, first: i32, end: i32, scratch: usize): void {
  for (let chunk = first; chunk < end; chunk++) elementwiseChunk(desc, chunk, scratch);
}

/** A thread's scratch: the register pointers and strides, the constants' slots, the register blocks. */
@unmanaged
class Scratch {
  regPointer: usize;
  regStride: usize;
  constants: usize;
  blocks: usize;
  /** Three f32x4: copies of splat operands that an op's result would overwrite (see `unaliased`). */
  copies: usize;
}

/**
 * Runs chunk `chunk` (elements [chunk·CHUNK, (chunk + 1)·CHUNK) of the m×n space, row-major), writing
 * its outputs and its partial sums (partials[chunk·sums + s], zeroed first). The constants are
 * computed first; then the blocks, which end at row ends unless the program is flat, so a row input
 * is contiguous and a column input one value per block.
 */
export function elementwiseChunk(desc: usize, chunk: i32, scratch: usize): void {
  const m = word(desc, H_M);
  const n = word(desc, H_N);
  const sums = word(desc, H_SUMS);
  const flat = word(desc, H_FLAT) !== 0;
  const registers = word(desc, H_REGISTERS);
  const count = word(desc, H_COUNT);
  const total = m * n;
  const partials = pointer(desc, H_PARTIALS) + ((<usize>chunk * <usize>sums) << 3);
  memory.fill(partials, 0, (<usize>sums) << 3);
  // The layout of `scratch`, in a small header at its start.
  const layout = changetype<Scratch>(scratch);
  layout.copies = scratch + 32;
  layout.regPointer = scratch + 80;
  layout.regStride = layout.regPointer + ((<usize>registers) << 2);
  layout.constants = (layout.regStride + ((<usize>registers) << 2) + 15) & ~(<usize>15);
  layout.blocks = layout.constants + ((<usize>count) << 4);
  runInstructions(desc, layout, 0, 0, 0, 0, partials, true);
  let e = chunk * CHUNK;
  const end = min(total, e + CHUNK);
  while (e < end) {
    let length = min(BLOCK, end - e);
    let i = 0;
    let j = 0;
    if (!flat) {
      i = e / n;
      j = e - i * n;
      length = min(length, n - j);
    }
    runInstructions(desc, layout, e, i, j, length, partials, false);
    e += length;
  }
}

/**
 * Runs the program on elements [e, e + length) (row i, columns j…; one row unless flat), or, with
 * `constants`, only its K_CONSTANT instructions into their slots. Register r is read at
 * regPointer[r] with byte stride regStride[r] per f32x4 (16, or 0 for a splat); its own block in
 * scratch is written by the instruction that defines it. Lanes past `length` in the last vectors are
 * computed but never stored or summed.
 */
function runInstructions(
  desc: usize,
  layout: Scratch,
  e: i32,
  i: i32,
  j: i32,
  length: i32,
  partials: usize,
  constants: bool,
): void {
  const count = word(desc, H_COUNT);
  const code = pointer(desc, H_CODE);
  const kinds = pointer(desc, H_KINDS);
  const regPointer = layout.regPointer;
  const regStride = layout.regStride;
  const fullVectors = (length + 3) >> 2;
  // Whole unrolled iterations: ops write exactly [e, e + length), so K_STORED ops may write outputs.
  const whole = length > 0 && (length & (UNROLL * 4 - 1)) === 0;
  for (let k = 0; k < count; k++) {
    const kind = load<i32>(kinds + ((<usize>k) << 2));
    if (kind === K_FOLDED || (kind === K_STORE_FOLDED && whole)) continue;
    if (constants !== (kind === K_CONSTANT)) {
      if (!constants) {
        // A constant computed before the blocks: only point its register at its slot.
        const dst = operand(code, k, 1);
        store<usize>(regPointer + ((<usize>dst) << 2), layout.constants + ((<usize>k) << 4));
        store<i32>(regStride + ((<usize>dst) << 2), 0);
      }
      continue;
    }
    const op = operand(code, k, 0);
    const dst = operand(code, k, 1);
    const a = operand(code, k, 2);
    if (op === STORE) {
      storeOutput(
        pointer(desc, H_OUTPUT_POINTERS) + ((<usize>a) << 2),
        e,
        length,
        load<usize>(regPointer + ((<usize>dst) << 2)),
        load<i32>(regStride + ((<usize>dst) << 2)),
      );
      continue;
    }
    if (op === SUM) {
      const at = partials + ((<usize>a) << 3);
      store<f64>(
        at,
        load<f64>(at) +
          sumFloats(
            load<usize>(regPointer + ((<usize>dst) << 2)),
            load<i32>(regStride + ((<usize>dst) << 2)),
            length,
          ),
      );
      continue;
    }
    let own =
      kind === K_CONSTANT
        ? layout.constants + ((<usize>k) << 4)
        : layout.blocks + <usize>dst * <usize>(BLOCK * 4);
    if (kind === K_STORED && whole) {
      const output = load<i32>(kinds + ((<usize>(count + k)) << 2));
      own = <usize>entry(desc, H_OUTPUT_POINTERS, output) + ((<usize>e) << 2);
    }
    const vectors = kind === K_UNIFORM || kind === K_CONSTANT ? 1 : fullVectors;
    let at = own;
    if (op === LOAD) {
      const input = <usize>entry(desc, H_INPUT_POINTERS, a);
      const inputLayout = entry(desc, H_INPUT_LAYOUTS, a);
      if (inputLayout === COLUMN) v128.store(own, v128.load32_splat(input + ((<usize>i) << 2)));
      else {
        const from = input + ((<usize>(inputLayout === FULL ? e : j)) << 2);
        if (kind === K_IN_PLACE) at = from;
        else copyVectors(from, own, fullVectors);
      }
    } else if (op === SCALAR) {
      v128.store(own, v128.load32_splat(pointer(desc, H_SCALARS) + ((<usize>a) << 2)));
    } else if (op === ROW_INDEX) {
      v128.store(own, f32x4.splat(<f32>i));
    } else if (op === COLUMN_INDEX) {
      let index = f32x4.add(f32x4.splat(<f32>j), f32x4(0, 1, 2, 3));
      for (let v = 0; v < fullVectors; v++) {
        v128.store(own + ((<usize>v) << 4), index);
        index = f32x4.add(index, f32x4.splat(4));
      }
    } else {
      const sa = load<i32>(regStride + ((<usize>a) << 2));
      const pa = unaliased(load<usize>(regPointer + ((<usize>a) << 2)), sa, own, layout.copies);
      if (op < ADD) unary(op, pa, sa, own, vectors);
      else {
        const b = operand(code, k, 3);
        const sb = load<i32>(regStride + ((<usize>b) << 2));
        const pb = unaliased(load<usize>(regPointer + ((<usize>b) << 2)), sb, own, layout.copies + 16);
        if (op < SELECT) binary(op, pa, sa, pb, sb, own, vectors);
        else {
          const c = operand(code, k, 4);
          const sc = load<i32>(regStride + ((<usize>c) << 2));
          const pc = unaliased(load<usize>(regPointer + ((<usize>c) << 2)), sc, own, layout.copies + 32);
          ternary(op, pa, sa, pb, sb, pc, sc, own, vectors);
        }
      }
    }
    store<usize>(regPointer + ((<usize>dst) << 2), at);
    store<i32>(regStride + ((<usize>dst) << 2), kind === K_UNIFORM || kind === K_CONSTANT ? 0 : 16);
  }
}

/**
 * Where to read a splat operand (stride 0) that lives at the start of the block the op writes
 * (operand and result in one register): a copy in `spare`, since the loops read a splat at the same
 * address on every iteration and the first result vector would overwrite it. Other operands as they are.
 */
function unaliased(operandAt: usize, stride: i32, own: usize, spare: usize): usize {
  if (stride !== 0 || operandAt !== own) return operandAt;
  v128.store(spare, v128.load(operandAt));
  return spare;
}

/** Bytes of `vectors` f32x4 rounded up to whole unrolled iterations. */
function unrolledBytes(vectors: i32): usize {
  return (<usize>((vectors + UNROLL - 1) & ~(UNROLL - 1))) << 4;
}

function copyVectors(from: usize, to: usize, vectors: i32): void {
  for (let v = 0; v < vectors; v++) v128.store(to + ((<usize>v) << 4), v128.load(from + ((<usize>v) << 4)));
}

/** outputs[e + t] = register lane t for t < length: whole vectors, then the last 1–3 lanes singly. */
function storeOutput(outputPointer: usize, e: i32, length: i32, src: usize, stride: i32): void {
  const out = load<usize>(outputPointer) + ((<usize>e) << 2);
  const whole = length >> 2;
  let s = src;
  for (let v = 0; v < whole; v++) {
    v128.store(out + ((<usize>v) << 4), v128.load(s));
    s += stride;
  }
  for (let t = whole << 2; t < length; t++)
    store<f32>(out + ((<usize>t) << 2), load<f32>(s + ((<usize>(t & 3)) << 2)));
}

/** The lane-wise scalar ops (no f32x4 form): musl's float routines via Mathf; erfc in double. */
function scalarUnary(op: i32, x: f32): f32 {
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

// The f32x4 ops as classes, so that the generic loops below are compiled once per op with the op
// inlined (a loop taking the opcode as a value would switch inside the loop). Never instantiated:
// the loops call `apply` on a null reference, which uses no `this`.
class Neg {
  @inline apply(x: v128): v128 {
    return f32x4.neg(x);
  }
}
class Abs {
  @inline apply(x: v128): v128 {
    return f32x4.abs(x);
  }
}
class Sqrt {
  @inline apply(x: v128): v128 {
    return f32x4.sqrt(x);
  }
}

/** dst ← f(a) over `bytes` of f32x4, UNROLL at a time (a read with byte stride sa: 16, or 0 for a splat). */
function unaryLoop<F>(pa: usize, sa: i32, dst: usize, bytes: usize): void {
  const f = changetype<F>(0);
  if (sa === 0) {
    v128.store(dst, f.apply(v128.load(pa)));
    return;
  }
  for (let o: usize = 0; o < bytes; o += UNROLL_BYTES) {
    v128.store(dst + o, f.apply(v128.load(pa + o)));
    v128.store(dst + o, f.apply(v128.load(pa + o, 16)), 16);
    v128.store(dst + o, f.apply(v128.load(pa + o, 32)), 32);
    v128.store(dst + o, f.apply(v128.load(pa + o, 48)), 48);
  }
}

function unary(op: i32, pa: usize, sa: i32, dst: usize, vectors: i32): void {
  const bytes = unrolledBytes(vectors);
  if (op === NEG) unaryLoop<Neg>(pa, sa, dst, bytes);
  else if (op === ABS) unaryLoop<Abs>(pa, sa, dst, bytes);
  else if (op === SQRT) unaryLoop<Sqrt>(pa, sa, dst, bytes);
  else {
    for (let v = 0; v < vectors; v++, pa += sa) {
      const to = dst + ((<usize>v) << 4);
      for (let t = 0; t < 4; t++)
        store<f32>(to + ((<usize>t) << 2), scalarUnary(op, load<f32>(pa + ((<usize>t) << 2))));
    }
  }
}

/** 1 where the mask lane is set, else 0. */
function ones(mask: v128): v128 {
  return v128.and(mask, f32x4.splat(1));
}

/** x ** y as JavaScript's Math.pow: musl's powf, except that JS gives NaN for y NaN and for (±1) ** ±∞. */
function pow(x: f32, y: f32): f32 {
  if (F32.isNaN(y) || (Mathf.abs(x) === 1 && Mathf.abs(y) === Infinity)) return NaN;
  return Mathf.pow(x, y);
}

class Add {
  @inline apply(x: v128, y: v128): v128 {
    return f32x4.add(x, y);
  }
}
class Sub {
  @inline apply(x: v128, y: v128): v128 {
    return f32x4.sub(x, y);
  }
}
class Mul {
  @inline apply(x: v128, y: v128): v128 {
    return f32x4.mul(x, y);
  }
}
class Div {
  @inline apply(x: v128, y: v128): v128 {
    return f32x4.div(x, y);
  }
}
class Max {
  @inline apply(x: v128, y: v128): v128 {
    return f32x4.max(x, y);
  }
}
class Min {
  @inline apply(x: v128, y: v128): v128 {
    return f32x4.min(x, y);
  }
}
class Lt {
  @inline apply(x: v128, y: v128): v128 {
    return ones(f32x4.lt(x, y));
  }
}
class Le {
  @inline apply(x: v128, y: v128): v128 {
    return ones(f32x4.le(x, y));
  }
}
class Gt {
  @inline apply(x: v128, y: v128): v128 {
    return ones(f32x4.gt(x, y));
  }
}
class Ge {
  @inline apply(x: v128, y: v128): v128 {
    return ones(f32x4.ge(x, y));
  }
}
class Eq {
  @inline apply(x: v128, y: v128): v128 {
    return ones(f32x4.eq(x, y));
  }
}

/**
 * dst ← f(a, b) over `bytes` of f32x4, UNROLL vectors at a time; a splat operand (stride 0) is
 * loaded once, outside the loop.
 */
function binaryLoop<F>(pa: usize, sa: i32, pb: usize, sb: i32, dst: usize, bytes: usize): void {
  const f = changetype<F>(0);
  if (sa === 0 && sb === 0) {
    v128.store(dst, f.apply(v128.load(pa), v128.load(pb)));
  } else if (sa === 0) {
    const x = v128.load(pa);
    for (let o: usize = 0; o < bytes; o += UNROLL_BYTES) {
      v128.store(dst + o, f.apply(x, v128.load(pb + o)));
      v128.store(dst + o, f.apply(x, v128.load(pb + o, 16)), 16);
      v128.store(dst + o, f.apply(x, v128.load(pb + o, 32)), 32);
      v128.store(dst + o, f.apply(x, v128.load(pb + o, 48)), 48);
    }
  } else if (sb === 0) {
    const y = v128.load(pb);
    for (let o: usize = 0; o < bytes; o += UNROLL_BYTES) {
      v128.store(dst + o, f.apply(v128.load(pa + o), y));
      v128.store(dst + o, f.apply(v128.load(pa + o, 16), y), 16);
      v128.store(dst + o, f.apply(v128.load(pa + o, 32), y), 32);
      v128.store(dst + o, f.apply(v128.load(pa + o, 48), y), 48);
    }
  } else {
    for (let o: usize = 0; o < bytes; o += UNROLL_BYTES) {
      v128.store(dst + o, f.apply(v128.load(pa + o), v128.load(pb + o)));
      v128.store(dst + o, f.apply(v128.load(pa + o, 16), v128.load(pb + o, 16)), 16);
      v128.store(dst + o, f.apply(v128.load(pa + o, 32), v128.load(pb + o, 32)), 32);
      v128.store(dst + o, f.apply(v128.load(pa + o, 48), v128.load(pb + o, 48)), 48);
    }
  }
}

/** dst ← f(a, b) over `vectors` f32x4. */
function binary(op: i32, pa: usize, sa: i32, pb: usize, sb: i32, dst: usize, vectors: i32): void {
  const bytes = unrolledBytes(vectors);
  switch (op) {
    case ADD:
      binaryLoop<Add>(pa, sa, pb, sb, dst, bytes);
      return;
    case SUB:
      binaryLoop<Sub>(pa, sa, pb, sb, dst, bytes);
      return;
    case MUL:
      binaryLoop<Mul>(pa, sa, pb, sb, dst, bytes);
      return;
    case DIV:
      binaryLoop<Div>(pa, sa, pb, sb, dst, bytes);
      return;
    case MAX:
      binaryLoop<Max>(pa, sa, pb, sb, dst, bytes);
      return;
    case MIN:
      binaryLoop<Min>(pa, sa, pb, sb, dst, bytes);
      return;
    case LT:
      binaryLoop<Lt>(pa, sa, pb, sb, dst, bytes);
      return;
    case LE:
      binaryLoop<Le>(pa, sa, pb, sb, dst, bytes);
      return;
    case GT:
      binaryLoop<Gt>(pa, sa, pb, sb, dst, bytes);
      return;
    case GE:
      binaryLoop<Ge>(pa, sa, pb, sb, dst, bytes);
      return;
    case EQ:
      binaryLoop<Eq>(pa, sa, pb, sb, dst, bytes);
      return;
    default:
      // POW, lane-wise.
      for (let v = 0; v < vectors; v++, pa += sa, pb += sb) {
        const to = dst + ((<usize>v) << 4);
        for (let t = 0; t < 4; t++) {
          const lane = (<usize>t) << 2;
          store<f32>(to + lane, pow(load<f32>(pa + lane), load<f32>(pb + lane)));
        }
      }
  }
}

class Select {
  @inline apply(x: v128, y: v128, z: v128): v128 {
    return v128.bitselect(y, z, f32x4.ne(x, f32x4.splat(0)));
  }
}
class MulAdd {
  @inline apply(x: v128, y: v128, z: v128): v128 {
    return f32x4.add(f32x4.mul(x, y), z);
  }
}
class MulSub {
  @inline apply(x: v128, y: v128, z: v128): v128 {
    return f32x4.sub(f32x4.mul(x, y), z);
  }
}
class MulSubFrom {
  @inline apply(x: v128, y: v128, z: v128): v128 {
    return f32x4.sub(z, f32x4.mul(x, y));
  }
}

/**
 * dst ← f(a, b, c) over `bytes` of f32x4, UNROLL at a time. A splat operand (stride 0) is read at the
 * same address every time: its byte offset is masked to 0.
 */
function ternaryLoop<F>(
  pa: usize,
  sa: i32,
  pb: usize,
  sb: i32,
  pc: usize,
  sc: i32,
  dst: usize,
  bytes: usize,
): void {
  const f = changetype<F>(0);
  const ma: usize = sa === 0 ? 0 : -1;
  const mb: usize = sb === 0 ? 0 : -1;
  const mc: usize = sc === 0 ? 0 : -1;
  for (let o: usize = 0; o < bytes; o += 16) {
    v128.store(
      dst + o,
      f.apply(v128.load(pa + (o & ma)), v128.load(pb + (o & mb)), v128.load(pc + (o & mc))),
    );
  }
}

/** dst ← SELECT (a ≠ 0 ? b : c), MUL_ADD (a·b + c), MUL_SUB (a·b − c) or MUL_SUB_FROM (c − a·b) over `vectors` f32x4. */
function ternary(
  op: i32,
  pa: usize,
  sa: i32,
  pb: usize,
  sb: i32,
  pc: usize,
  sc: i32,
  dst: usize,
  vectors: i32,
): void {
  const bytes = (<usize>vectors) << 4;
  if (op === SELECT) ternaryLoop<Select>(pa, sa, pb, sb, pc, sc, dst, bytes);
  else if (op === MUL_ADD) ternaryLoop<MulAdd>(pa, sa, pb, sb, pc, sc, dst, bytes);
  else if (op === MUL_SUB) ternaryLoop<MulSub>(pa, sa, pb, sb, pc, sc, dst, bytes);
  else ternaryLoop<MulSubFrom>(pa, sa, pb, sb, pc, sc, dst, bytes);
}
