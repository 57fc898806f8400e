import { type ElementwiseProgram, INSTRUCTION_SIZE, type InputLayout, Op } from "@backprop/tensor";
import { WasmBackendError } from "./errors.js";
import type { Heap } from "./heap.js";
import type { KernelExports } from "./kernels.js";

/** Layout numbers as assembly/elementwise.ts reads them. */
const LAYOUT_CODES: Record<InputLayout, number> = { full: 0, row: 1, column: 2 };
/** The header words of a descriptor (assembly/elementwise.ts, H_*). */
const H = {
  COUNT: 0,
  REGISTERS: 1,
  SUMS: 2,
  M: 3,
  N: 4,
  CODE: 6,
  INPUT_POINTERS: 7,
  INPUT_LAYOUTS: 8,
  INPUTS: 9,
  OUTPUT_POINTERS: 10,
  OUTPUTS: 11,
  SCALARS: 12,
  PARTIALS: 13,
  KINDS: 14,
} as const;
const KNOWN_OPCODES = new Set<number>(Object.values(Op));
/** Opcodes by operand use: the register operands each reads (besides dst, which it writes). */
const UNARY_FIRST = Op.NEG;
const BINARY_FIRST = Op.ADD;
const TERNARY_FIRST = Op.SELECT;

/** Runs the program's chunks: on the calling thread, or shared out to the worker threads. */
export type RunChunks = (descriptor: number, chunks: number, scratchBytes: number) => void;

/**
 * Runs float32 elementwise programs in the kernels: writes the program and its operands' pointers into
 * a descriptor in a reusable scratch block of linear memory (grown only when a bigger program comes;
 * nothing is allocated per call), lets the kernels prepare it, runs its fixed chunks, then adds each
 * sum's chunk partials in chunk order, so every thread count gives the same sums.
 */
export class ProgramRunner {
  private buffer: ArrayBufferLike | undefined;
  private ints = new Int32Array(0);
  private floats = new Float32Array(0);
  private doubles = new Float64Array(0);
  /** check's scratch: which registers are written so far. */
  private defined = new Uint8Array(0);

  constructor(
    private readonly kernels: KernelExports,
    private readonly heap: Heap,
    private readonly runChunks: RunChunks,
  ) {}

  /**
   * Backend.elementwise for float32 storages, given as byte pointers (already checked to be this
   * backend's and long enough).
   */
  run(
    program: ElementwiseProgram,
    m: number,
    n: number,
    inputs: readonly number[],
    scalars: Float64Array,
    outputs: readonly number[],
    sums: Float64Array,
  ): void {
    const total = m * n;
    if (total === 0) return;
    const chunkElements = this.kernels.CHUNK.value;
    const chunks = Math.ceil(total / chunkElements);
    const count = program.code.length / INSTRUCTION_SIZE;
    // Word offsets of the descriptor's sections; the partials (f64) start on an 8-byte boundary.
    const code = this.kernels.HEADER_WORDS.value;
    const inputPointers = code + program.code.length;
    const inputLayouts = inputPointers + inputs.length;
    const outputPointers = inputLayouts + inputs.length;
    const scalarValues = outputPointers + outputs.length;
    const kinds = scalarValues + program.scalars;
    const partials = 2 * Math.ceil((kinds + 2 * count + Math.ceil(program.registers / 4)) / 2);
    const bytes = 4 * partials + 8 * chunks * program.sums;
    const descriptor = this.heap.scratch(bytes, "program");
    this.views();
    const base = descriptor / 4;
    const { ints, floats } = this;
    ints[base + H.COUNT] = count;
    ints[base + H.REGISTERS] = program.registers;
    ints[base + H.SUMS] = program.sums;
    ints[base + H.M] = m;
    ints[base + H.N] = n;
    ints[base + H.INPUTS] = inputs.length;
    ints[base + H.OUTPUTS] = outputs.length;
    ints[base + H.CODE] = descriptor + 4 * code;
    ints[base + H.INPUT_POINTERS] = descriptor + 4 * inputPointers;
    ints[base + H.INPUT_LAYOUTS] = descriptor + 4 * inputLayouts;
    ints[base + H.OUTPUT_POINTERS] = descriptor + 4 * outputPointers;
    ints[base + H.SCALARS] = descriptor + 4 * scalarValues;
    ints[base + H.KINDS] = descriptor + 4 * kinds;
    ints[base + H.PARTIALS] = descriptor + 4 * partials;
    ints.set(program.code, base + code);
    for (let i = 0; i < inputs.length; i++) {
      ints[base + inputPointers + i] = inputs[i]!;
      ints[base + inputLayouts + i] = LAYOUT_CODES[program.inputs[i]!];
    }
    for (let o = 0; o < outputs.length; o++) ints[base + outputPointers + o] = outputs[o]!;
    // Each scalar rounded once to float32 (computed in float64 by the caller, e.g. 1 − β).
    for (let s = 0; s < program.scalars; s++) floats[base + scalarValues + s] = scalars[s]!;
    this.kernels.prepareElementwise(descriptor);
    this.runChunks(descriptor, chunks, this.kernels.elementwiseScratchBytes(program.registers, count));
    if (program.sums === 0) return;
    this.views();
    const first = (descriptor + 4 * partials) / 8;
    for (let s = 0; s < program.sums; s++) {
      let sum = 0;
      for (let c = 0; c < chunks; c++) sum += this.doubles[first + c * program.sums + s]!;
      sums[s]! += sum;
    }
  }

  /**
   * Checks that a program is well formed for its operands: known opcodes; registers in range and
   * written before they are read; inputs, outputs, scalars and sums in range. Throws naming the
   * instruction otherwise (a bad program must not make the kernels read or write outside its operands).
   */
  check(program: ElementwiseProgram, inputs: number, scalars: number, outputs: number, sums: number): void {
    const fail = (what: string): never => {
      throw new WasmBackendError(`elementwise: ${what}`);
    };
    if (inputs !== program.inputs.length)
      fail(`the program reads ${program.inputs.length} inputs, got ${inputs}`);
    if (outputs !== program.outputs) fail(`the program writes ${program.outputs} outputs, got ${outputs}`);
    if (scalars < program.scalars) fail(`the program uses ${program.scalars} scalars, got ${scalars}`);
    if (sums < program.sums) fail(`the program adds into ${program.sums} sums, got ${sums}`);
    const { code, registers } = program;
    if (code.length % INSTRUCTION_SIZE !== 0) {
      fail(`code length ${code.length} is not a multiple of ${INSTRUCTION_SIZE}`);
    }
    if (this.defined.length < registers) this.defined = new Uint8Array(registers);
    const defined = this.defined;
    defined.fill(0, 0, registers);
    const read = (k: number, field: number): void => {
      const r = code[k + field]!;
      if (!(r >= 0 && r < registers && defined[r] === 1)) {
        fail(`instruction ${k / INSTRUCTION_SIZE} reads register ${r}, which is not written before it`);
      }
    };
    const index = (k: number, limit: number, what: string): void => {
      const i = code[k + 2]!;
      if (!(i >= 0 && i < limit))
        fail(`instruction ${k / INSTRUCTION_SIZE}: ${what} ${i} outside 0..${limit - 1}`);
    };
    for (let k = 0; k < code.length; k += INSTRUCTION_SIZE) {
      const op = code[k]!;
      if (!KNOWN_OPCODES.has(op)) fail(`instruction ${k / INSTRUCTION_SIZE}: unknown opcode ${op}`);
      if (op === Op.STORE || op === Op.SUM) {
        read(k, 1);
        index(k, op === Op.STORE ? program.outputs : program.sums, op === Op.STORE ? "output" : "sum");
        continue;
      }
      if (op === Op.LOAD) index(k, program.inputs.length, "input");
      else if (op === Op.SCALAR) index(k, program.scalars, "scalar");
      else if (op >= UNARY_FIRST) {
        read(k, 2);
        if (op >= BINARY_FIRST) read(k, 3);
        if (op >= TERNARY_FIRST) read(k, 4);
      }
      const dst = code[k + 1]!;
      if (!(dst >= 0 && dst < registers))
        fail(`instruction ${k / INSTRUCTION_SIZE}: register ${dst} outside 0..${registers - 1}`);
      defined[dst] = 1;
    }
  }

  /** The typed-array views of linear memory, re-created after the memory grew (a new buffer). */
  private views(): void {
    const { buffer } = this.heap.memory;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.ints = new Int32Array(buffer);
    this.floats = new Float32Array(buffer);
    this.doubles = new Float64Array(buffer);
  }
}
