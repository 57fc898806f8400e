import { type ElementwiseProgram, INSTRUCTION_SIZE, Op } from "@backprop/tensor";
import { WasmBytes } from "./wasm-bytes.js";

/** Elements per chunk, the unit of work a thread claims: fixed whatever the thread count. */
export const CHUNK = 8192;

/**
 * The descriptor a compiled program reads, i32 words at a 4-byte aligned byte offset: the space's m
 * and n, the byte pointer of the f64 partial sums (`sums` per chunk), then the byte pointers of the
 * inputs and of the outputs, then the scalar slots as float32.
 */
export const DESCRIPTOR_M = 0;
export const DESCRIPTOR_N = 1;
export const DESCRIPTOR_PARTIALS = 2;
export const DESCRIPTOR_OPERANDS = 3;

/** Import names of the lane-wise math a compiled program calls (exports of assembly/lane-math.ts). */
export interface ProgramImports {
  memory: WebAssembly.Memory;
  /** f(x) of a unary opcode that has no f32x4 instruction (exp, log, tanh, …), lane by lane. */
  laneUnary: (op: number, x: number) => number;
  /** x ** y as Math.pow, lane by lane. */
  lanePow: (x: number, y: number) => number;
}

/** The instance's one export: runs chunk `chunk` of the program over the descriptor at byte `descriptor`. */
export type CompiledRun = (descriptor: number, chunk: number) => void;

// Value types, and the opcodes this compiler emits (WebAssembly core spec §5.4; SIMD after 0xfd).
const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
const BLOCK_VOID = 0x40;
const [BLOCK, LOOP, IF, END, BR, BR_IF, CALL, SELECT] = [0x02, 0x03, 0x04, 0x0b, 0x0c, 0x0d, 0x10, 0x1b];
const [LOCAL_GET, LOCAL_SET, I32_LOAD, F32_STORE, F64_STORE, I32_CONST] = [
  0x20, 0x21, 0x28, 0x38, 0x39, 0x41,
];
const [I32_LT_S, I32_GT_S, I32_GE_S, I32_ADD, I32_SUB, I32_MUL, I32_DIV_U, I32_SHL] = [
  0x48, 0x4a, 0x4e, 0x6a, 0x6b, 0x6c, 0x6e, 0x74,
];
const I32_AND = 0x71;
const [F64_ADD, F32_CONVERT_I32_S, F64_CONVERT_I32_U, F64_PROMOTE_F32] = [0xa0, 0xb2, 0xb8, 0xbb];
const SIMD = 0xfd;
const V = {
  LOAD: 0x00,
  LOAD32_SPLAT: 0x09,
  STORE: 0x0b,
  CONST: 0x0c,
  SHUFFLE: 0x0d,
  F32X4_SPLAT: 0x13,
  I32X4_EXTRACT_LANE: 0x1b,
  F32X4_EXTRACT_LANE: 0x1f,
  F32X4_REPLACE_LANE: 0x20,
  F64X2_EXTRACT_LANE: 0x21,
  F32X4_EQ: 0x41,
  F32X4_NE: 0x42,
  F32X4_LT: 0x43,
  F32X4_GT: 0x44,
  F32X4_LE: 0x45,
  F32X4_GE: 0x46,
  AND: 0x4e,
  OR: 0x50,
  BITSELECT: 0x52,
  ANY_TRUE: 0x53,
  F64X2_PROMOTE_LOW: 0x5f,
  F32X4_ABS: 0xe0,
  F32X4_NEG: 0xe1,
  F32X4_SQRT: 0xe3,
  F32X4_ADD: 0xe4,
  F32X4_SUB: 0xe5,
  F32X4_MUL: 0xe6,
  F32X4_DIV: 0xe7,
  F32X4_MIN: 0xe8,
  F32X4_MAX: 0xe9,
  F64X2_ADD: 0xf0,
} as const;

/** The f32x4 instruction of each opcode that has one; the others go lane by lane through an import. */
const VECTOR_UNARY: Partial<Record<number, number>> = {
  [Op.NEG]: V.F32X4_NEG,
  [Op.ABS]: V.F32X4_ABS,
  [Op.SQRT]: V.F32X4_SQRT,
};
const VECTOR_BINARY: Partial<Record<number, number>> = {
  [Op.ADD]: V.F32X4_ADD,
  [Op.SUB]: V.F32X4_SUB,
  [Op.MUL]: V.F32X4_MUL,
  [Op.DIV]: V.F32X4_DIV,
  [Op.MAX]: V.F32X4_MAX,
  [Op.MIN]: V.F32X4_MIN,
};
/** Comparisons: the lane mask, ANDed with 1.0 (1 where true, 0 where false or NaN). */
const COMPARISONS: Partial<Record<number, number>> = {
  [Op.LT]: V.F32X4_LT,
  [Op.LE]: V.F32X4_LE,
  [Op.GT]: V.F32X4_GT,
  [Op.GE]: V.F32X4_GE,
  [Op.EQ]: V.F32X4_EQ,
};

/** Function indices: the two imports, then `run`. */
const LANE_UNARY = 0;
const LANE_POW = 1;

/**
 * When an instruction's value changes: once per call (scalars and ops on them), once per row
 * segment (a column input, the row index), or per element.
 */
const ONCE = 0;
const PER_ROW = 1;
const PER_ELEMENT = 2;

/** The locals of `run`: its parameters, then i32, f64 and v128 locals. */
interface Locals {
  readonly descriptor: number;
  readonly chunk: number;
  readonly m: number;
  readonly n: number;
  readonly partials: number;
  readonly e: number;
  readonly stop: number;
  readonly row: number;
  readonly column: number;
  readonly segmentEnd: number;
  readonly rest: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** Per sum: the f64 sum of the lanes of partial vectors (NONFINITE: how many lanes were not finite). */
  readonly tails: readonly number[];
  /** Per sum: f64x2 accumulators of lanes 0–1 and 2–3 of whole vectors (NONFINITE: low is a lane mask). */
  readonly low: readonly number[];
  readonly high: readonly number[];
  /** Per instruction: the v128 local holding its value (unused for STORE, SUM and NONFINITE). */
  readonly values: readonly number[];
}

/**
 * Compiles a float32 elementwise program to a WebAssembly module with one function,
 * `run(descriptor, chunk)`, that computes chunk `chunk` of the m×n space: elements
 * [chunk·CHUNK, (chunk + 1)·CHUNK), four at a time in f32x4, every intermediate value in a local
 * (the program's registers become one local per instruction), scalars and values that depend on
 * them computed once, a column input and the row index once per row. Outputs are written per
 * element after its inputs are read (as the program orders them), the last 1–3 elements of a row
 * segment lane by lane; each sum is added in float64, two f64x2 accumulators over whole vectors and
 * then the partial vectors' lanes, into the chunk's partial sum; a NONFINITE ORs the lane mask
 * x − x ≠ 0 (NaN exactly where x is NaN or ±∞) and writes 1 or more where some lane was set, else 0,
 * as the chunk's partial. The same instructions in the same
 * order for every element, whatever chunk (or thread) it falls in: results do not depend on the
 * thread count. Programs without row or column inputs or indices run the chunk as one segment.
 * The module imports the memory ("env" "memory", shared when `shared`) and the lane-wise math.
 */
export function compileProgramModule(program: ElementwiseProgram, shared: boolean): Uint8Array<ArrayBuffer> {
  const count = program.code.length / INSTRUCTION_SIZE;
  const field = (k: number, f: number) => program.code[k * INSTRUCTION_SIZE + f]!;
  const flat =
    program.inputs.every((layout) => layout === "full") &&
    Array.from({ length: count }, (_, k) => field(k, 0)).every(
      (op) => op !== Op.ROW_INDEX && op !== Op.COLUMN_INDEX,
    );

  // Locals: parameters 0–1, then i32, f64 and v128 locals, numbered in the order written here.
  const i32Count = 9 + program.inputs.length + program.outputs; // m … rest, then the pointers
  let next = 2;
  const one = () => next++;
  const take = (n: number) => Array.from({ length: n }, one);
  const locals: Locals = {
    descriptor: 0,
    chunk: 1,
    m: one(),
    n: one(),
    partials: one(),
    e: one(),
    stop: one(),
    row: one(),
    column: one(),
    segmentEnd: one(),
    rest: one(),
    inputs: take(program.inputs.length),
    outputs: take(program.outputs),
    tails: take(program.sums),
    low: take(program.sums),
    high: take(program.sums),
    values: take(count),
  };
  const { values } = locals;

  // The instruction whose value each register holds at each point, and when each value changes.
  const operandLocals: number[][] = [];
  const when: number[] = [];
  const definedBy = new Map<number, number>();
  for (let k = 0; k < count; k++) {
    const op = field(k, 0);
    const reads = readsDst(op)
      ? [field(k, 1)]
      : [field(k, 2), field(k, 3), field(k, 4)].slice(0, operandCount(op));
    const definers = reads.map((r) => definedBy.get(r)!);
    operandLocals.push(definers.map((d) => values[d]!));
    let changes = PER_ELEMENT;
    if (op === Op.SCALAR) changes = ONCE;
    else if (op === Op.ROW_INDEX) changes = PER_ROW;
    else if (op === Op.LOAD) changes = program.inputs[field(k, 2)] === "column" ? PER_ROW : PER_ELEMENT;
    else if (op !== Op.COLUMN_INDEX && !readsDst(op)) {
      changes = ONCE;
      for (const d of definers) changes = Math.max(changes, when[d]!);
    }
    when.push(changes);
    if (!readsDst(op)) definedBy.set(field(k, 1), k);
  }

  const body = new WasmBytes();
  const localGroups: [number, number][] = [
    [i32Count, I32],
    [program.sums, F64],
    [2 * program.sums + count, V128],
  ];
  body.u32(localGroups.length);
  for (const [n, type] of localGroups) body.u32(n).byte(type);

  const code = new Emitter(body, locals, program);
  code.prologue((k) => when[k] === ONCE, field, operandLocals);
  // block $done; loop $segment
  code.byte(BLOCK, BLOCK_VOID, LOOP, BLOCK_VOID);
  code.get(locals.e).get(locals.stop).byte(I32_GE_S, BR_IF).u32(1);
  code.segmentEnd(flat);
  code.instructions((k) => when[k] === PER_ROW, field, operandLocals, false);
  // block $vectorsDone; loop $vectors: while e + 4 ≤ segmentEnd
  code.byte(BLOCK, BLOCK_VOID, LOOP, BLOCK_VOID);
  code.get(locals.e).i32(4).byte(I32_ADD).get(locals.segmentEnd).byte(I32_GT_S, BR_IF).u32(1);
  code.instructions((k) => when[k] === PER_ELEMENT, field, operandLocals, false);
  code.advance(locals.e, 4);
  if (!flat) code.advance(locals.column, 4);
  code.byte(BR).u32(0).byte(END, END);
  // the last 1–3 elements of the segment
  code.get(locals.segmentEnd).get(locals.e).byte(I32_SUB).set(locals.rest);
  code.get(locals.rest).i32(0).byte(I32_GT_S, IF, BLOCK_VOID);
  code.instructions((k) => when[k] === PER_ELEMENT, field, operandLocals, true);
  code.byte(END);
  code.get(locals.segmentEnd).set(locals.e);
  if (!flat) {
    code.advance(locals.row, 1);
    code.i32(0).set(locals.column);
  }
  code.byte(BR).u32(0).byte(END, END);
  const checks = new Set<number>();
  for (let k = 0; k < count; k++) if (field(k, 0) === Op.NONFINITE) checks.add(field(k, 2));
  code.epilogue(program.sums, checks);
  code.byte(END);

  return moduleBytes(body, shared);
}

/** Whether an opcode reads register dst and writes none: STORE, SUM and NONFINITE. */
export function readsDst(op: number): boolean {
  return op === Op.STORE || op === Op.SUM || op === Op.NONFINITE;
}

/** Register operands (a, b, c) an opcode reads; 0 for STORE, SUM and NONFINITE, which read their dst. */
export function operandCount(op: number): number {
  if (op <= Op.COLUMN_INDEX || readsDst(op)) return 0;
  if (op < Op.ADD) return 1;
  if (op < Op.SELECT) return 2;
  return 3;
}

/** The module around `run`'s body: types, imports, the function, its export. */
function moduleBytes(body: WasmBytes, shared: boolean): Uint8Array<ArrayBuffer> {
  const out = new WasmBytes().byte(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  const types = new WasmBytes().u32(3);
  types.byte(0x60, 2, I32, I32, 0); // run(descriptor, chunk)
  types.byte(0x60, 2, I32, 0x7d, 1, 0x7d); // laneUnary(op, x): f32
  types.byte(0x60, 2, 0x7d, 0x7d, 1, 0x7d); // lanePow(x, y): f32
  out.section(1, types);
  const imports = new WasmBytes().u32(3);
  imports.name("env").name("memory").byte(0x02);
  if (shared) imports.byte(0x03).u32(0).u32(65536);
  else imports.byte(0x00).u32(0);
  imports.name("env").name("laneUnary").byte(0x00).u32(1);
  imports.name("env").name("lanePow").byte(0x00).u32(2);
  out.section(2, imports);
  out.section(3, new WasmBytes().u32(1).u32(0));
  out.section(7, new WasmBytes().u32(1).name("run").byte(0x00).u32(2));
  out.section(10, new WasmBytes().u32(1).sized(body));
  return out.bytes();
}

/** Writes `run`'s instructions into a function body. */
class Emitter {
  constructor(
    private readonly out: WasmBytes,
    private readonly locals: Locals,
    private readonly program: ElementwiseProgram,
  ) {}

  byte(...values: number[]): this {
    this.out.byte(...values);
    return this;
  }
  u32(value: number): this {
    this.out.u32(value);
    return this;
  }
  get(local: number): this {
    this.out.byte(LOCAL_GET).u32(local);
    return this;
  }
  set(local: number): this {
    this.out.byte(LOCAL_SET).u32(local);
    return this;
  }
  i32(value: number): this {
    this.out.byte(I32_CONST).i32(value);
    return this;
  }
  simd(op: number): this {
    this.out.byte(SIMD).u32(op);
    return this;
  }
  /** A SIMD memory access: its opcode, then memarg (alignment exponent 0, byte offset). */
  simdMemory(op: number, offset: number): this {
    this.simd(op);
    this.out.u32(0).u32(offset);
    return this;
  }
  /** local ← local + step */
  advance(local: number, step: number): this {
    return this.get(local).i32(step).byte(I32_ADD).set(local);
  }
  /** The i32 word `word` of the descriptor. */
  descriptorWord(word: number): this {
    this.get(this.locals.descriptor);
    this.out
      .byte(I32_LOAD)
      .u32(2)
      .u32(4 * word);
    return this;
  }
  /** base + index·4: the byte address of float `index` of the array at `base`. */
  address(base: number, index: number): this {
    return this.get(base).get(index).i32(2).byte(I32_SHL, I32_ADD);
  }
  /** Pushes min(a, b) of two i32 values, each pushed by its function (which runs twice). */
  private minimum(a: () => void, b: () => void): void {
    a();
    b();
    a();
    b();
    this.out.byte(I32_LT_S, SELECT);
  }

  /** Reads the descriptor, computes the once-per-call values, and the chunk's range [e, stop). */
  prologue(
    once: (k: number) => boolean,
    field: (k: number, f: number) => number,
    operandLocals: number[][],
  ): void {
    const L = this.locals;
    this.descriptorWord(DESCRIPTOR_M).set(L.m);
    this.descriptorWord(DESCRIPTOR_N).set(L.n);
    this.descriptorWord(DESCRIPTOR_PARTIALS).set(L.partials);
    const pointers = [...L.inputs, ...L.outputs];
    for (let p = 0; p < pointers.length; p++) this.descriptorWord(DESCRIPTOR_OPERANDS + p).set(pointers[p]!);
    this.instructions(once, field, operandLocals, false);
    this.get(L.chunk).i32(CHUNK).byte(I32_MUL);
    this.set(L.e);
    // stop = min(m·n, e + CHUNK)
    this.minimum(
      () => this.get(L.m).get(L.n).byte(I32_MUL),
      () => this.get(L.e).i32(CHUNK).byte(I32_ADD),
    );
    this.set(L.stop);
    // row = e / n, column = e − row·n
    this.get(L.e).get(L.n).byte(I32_DIV_U);
    this.set(L.row);
    this.get(L.e).get(L.row).get(L.n).byte(I32_MUL, I32_SUB);
    this.set(L.column);
  }

  /** segmentEnd = stop, or the end of the row when the program reads rows, columns or indices. */
  segmentEnd(flat: boolean): void {
    const L = this.locals;
    if (flat) this.get(L.stop);
    else
      this.minimum(
        () => this.get(L.stop),
        () => this.get(L.e).get(L.n).byte(I32_ADD).get(L.column).byte(I32_SUB),
      );
    this.set(L.segmentEnd);
  }

  /**
   * Writes each chunk's partials at partials[chunk·sums + s]: a sum's (low₀ + low₁) + (high₀ + high₁)
   * + tail; a NONFINITE's (any lane of low set ? 1 : 0) + tail.
   */
  epilogue(sums: number, checks: ReadonlySet<number>): void {
    const L = this.locals;
    for (let s = 0; s < sums; s++) {
      this.get(L.partials).get(L.chunk).i32(sums).byte(I32_MUL).i32(s).byte(I32_ADD);
      this.i32(3).byte(I32_SHL, I32_ADD);
      if (checks.has(s)) {
        this.get(L.low[s]!).simd(V.ANY_TRUE).byte(F64_CONVERT_I32_U);
        this.get(L.tails[s]!).byte(F64_ADD, F64_STORE).u32(3).u32(0);
        continue;
      }
      this.get(L.low[s]!).simd(V.F64X2_EXTRACT_LANE).byte(0);
      this.get(L.low[s]!).simd(V.F64X2_EXTRACT_LANE).byte(1);
      this.byte(F64_ADD);
      this.get(L.high[s]!).simd(V.F64X2_EXTRACT_LANE).byte(0);
      this.get(L.high[s]!).simd(V.F64X2_EXTRACT_LANE).byte(1);
      this.byte(F64_ADD, F64_ADD);
      this.get(L.tails[s]!).byte(F64_ADD, F64_STORE).u32(3).u32(0);
    }
  }

  /**
   * The instructions `selected` picks, in program order: each value into its own local; STORE, SUM
   * and NONFINITE over all four lanes, or with `partial` over the first `rest` (1–3).
   */
  instructions(
    selected: (k: number) => boolean,
    field: (k: number, f: number) => number,
    operandLocals: number[][],
    partial: boolean,
  ): void {
    const count = this.program.code.length / INSTRUCTION_SIZE;
    for (let k = 0; k < count; k++) {
      if (!selected(k)) continue;
      const op = field(k, 0);
      const [a = 0, b = 0, c = 0] = operandLocals[k]!;
      if (op === Op.STORE) this.store(field(k, 2), a, partial);
      else if (op === Op.SUM) this.sum(field(k, 2), a, partial);
      else if (op === Op.NONFINITE) this.nonFinite(field(k, 2), a, partial);
      else {
        this.value(op, field(k, 2), a, b, c);
        this.set(this.locals.values[k]!);
      }
    }
  }

  private store(output: number, value: number, partial: boolean): void {
    const L = this.locals;
    if (!partial) {
      this.address(L.outputs[output]!, L.e).get(value).simdMemory(V.STORE, 0);
      return;
    }
    for (let lane = 0; lane < 3; lane++) {
      this.get(L.rest).i32(lane).byte(I32_GT_S, IF, BLOCK_VOID);
      this.address(L.outputs[output]!, L.e).get(value).simd(V.F32X4_EXTRACT_LANE).byte(lane);
      this.byte(F32_STORE)
        .u32(2)
        .u32(4 * lane);
      this.byte(END);
    }
  }

  private sum(s: number, value: number, partial: boolean): void {
    const L = this.locals;
    if (!partial) {
      this.get(L.low[s]!).get(value).simd(V.F64X2_PROMOTE_LOW).simd(V.F64X2_ADD).set(L.low[s]!);
      this.get(L.high[s]!).get(value).get(value).simd(V.SHUFFLE);
      this.byte(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
      this.simd(V.F64X2_PROMOTE_LOW).simd(V.F64X2_ADD).set(L.high[s]!);
      return;
    }
    for (let lane = 0; lane < 3; lane++) {
      this.get(L.rest).i32(lane).byte(I32_GT_S, IF, BLOCK_VOID);
      this.get(L.tails[s]!).get(value).simd(V.F32X4_EXTRACT_LANE).byte(lane);
      this.byte(F64_PROMOTE_F32, F64_ADD);
      this.set(L.tails[s]!);
      this.byte(END);
    }
  }

  /** low[s] |= (x − x ≠ 0), or per partial lane tail += that lane's bit: set where x is NaN or ±∞. */
  private nonFinite(s: number, value: number, partial: boolean): void {
    const L = this.locals;
    const mask = () => this.get(value).get(value).simd(V.F32X4_SUB).floats(0, 0, 0, 0).simd(V.F32X4_NE);
    if (!partial) {
      this.get(L.low[s]!);
      mask();
      this.simd(V.OR).set(L.low[s]!);
      return;
    }
    for (let lane = 0; lane < 3; lane++) {
      this.get(L.rest).i32(lane).byte(I32_GT_S, IF, BLOCK_VOID);
      this.get(L.tails[s]!);
      mask();
      this.simd(V.I32X4_EXTRACT_LANE).byte(lane);
      this.i32(1).byte(I32_AND, F64_CONVERT_I32_U, F64_ADD);
      this.set(L.tails[s]!);
      this.byte(END);
    }
  }

  /** Pushes the f32x4 value of one instruction (not STORE, SUM or NONFINITE); a, b, c are its operands' locals. */
  private value(op: number, immediate: number, a: number, b: number, c: number): void {
    const L = this.locals;
    const vector = VECTOR_UNARY[op] ?? VECTOR_BINARY[op];
    const comparison = COMPARISONS[op];
    if (op === Op.LOAD) {
      const layout = this.program.inputs[immediate];
      const base = L.inputs[immediate]!;
      if (layout === "column") this.address(base, L.row).simdMemory(V.LOAD32_SPLAT, 0);
      else this.address(base, layout === "row" ? L.column : L.e).simdMemory(V.LOAD, 0);
    } else if (op === Op.SCALAR) {
      const word = DESCRIPTOR_OPERANDS + this.program.inputs.length + this.program.outputs + immediate;
      this.get(L.descriptor).simdMemory(V.LOAD32_SPLAT, 4 * word);
    } else if (op === Op.ROW_INDEX) {
      this.get(L.row).byte(F32_CONVERT_I32_S);
      this.simd(V.F32X4_SPLAT);
    } else if (op === Op.COLUMN_INDEX) {
      this.get(L.column).byte(F32_CONVERT_I32_S);
      this.simd(V.F32X4_SPLAT).floats(0, 1, 2, 3).simd(V.F32X4_ADD);
    } else if (vector !== undefined) {
      this.get(a);
      if (VECTOR_BINARY[op] !== undefined) this.get(b);
      this.simd(vector);
    } else if (comparison !== undefined) {
      this.get(a).get(b).simd(comparison).floats(1, 1, 1, 1).simd(V.AND);
    } else if (op === Op.SELECT) {
      this.get(b).get(c).get(a).floats(0, 0, 0, 0).simd(V.F32X4_NE).simd(V.BITSELECT);
    } else if (op === Op.MUL_ADD) {
      this.get(a).get(b).simd(V.F32X4_MUL).get(c).simd(V.F32X4_ADD);
    } else if (op === Op.POW) {
      this.lanes((lane) => {
        this.get(a).simd(V.F32X4_EXTRACT_LANE).byte(lane);
        this.get(b).simd(V.F32X4_EXTRACT_LANE).byte(lane);
        this.byte(CALL).u32(LANE_POW);
      }, a);
    } else {
      this.lanes((lane) => {
        this.i32(op).get(a).simd(V.F32X4_EXTRACT_LANE).byte(lane);
        this.byte(CALL).u32(LANE_UNARY);
      }, a);
    }
  }

  /** A vector built lane by lane: into a copy of `base`, lane t replaced by what `lane(t)` pushes. */
  private lanes(lane: (t: number) => void, base: number): void {
    this.get(base);
    for (let t = 0; t < 4; t++) {
      lane(t);
      this.simd(V.F32X4_REPLACE_LANE).byte(t);
    }
  }

  /** v128.const of four float32. */
  private floats(...lanes: number[]): this {
    this.simd(V.CONST);
    for (const x of lanes) this.out.f32(x);
    return this;
  }
}
