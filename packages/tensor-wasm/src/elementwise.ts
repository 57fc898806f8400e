import { type ElementwiseProgram, INSTRUCTION_SIZE, Op } from "@backprop/tensor";
import { WasmBackendError } from "./errors.js";
import type { Heap } from "./heap.js";
import type { KernelExports } from "./kernels.js";
import {
  CHUNK,
  type CompiledRun,
  compileProgramModule,
  DESCRIPTOR_M,
  DESCRIPTOR_N,
  DESCRIPTOR_OPERANDS,
  DESCRIPTOR_PARTIALS,
  operandCount,
  type ProgramImports,
  readsDst,
} from "./program-module.js";

const KNOWN_OPCODES = new Set<number>(Object.values(Op));

function fail(what: string): never {
  throw new WasmBackendError(`elementwise: ${what}`);
}

/** A program compiled for one backend: its module's bytes (which worker threads compile too) and its `run`. */
export interface CompiledProgram {
  /** Unique within the backend: a worker keeps its own instance of the module under this number. */
  readonly id: number;
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly run: CompiledRun;
}

/**
 * Shares a compiled program's chunks out to the worker threads, which compile its module from the
 * copy of `program.bytes` at `codePointer` the first time they see its id.
 */
export type RunChunks = (
  program: CompiledProgram,
  codePointer: number,
  descriptor: number,
  chunks: number,
) => void;

/**
 * Runs float32 elementwise programs: compiles each program (by identity: @backprop/tensor hands out
 * one object per program structure) to its own WebAssembly module once (program-module.ts), writes
 * its operands' pointers and scalars into a descriptor in a reusable scratch block of linear memory
 * (grown only when a bigger program comes; nothing is allocated per call), runs its fixed chunks on
 * this thread or the worker threads, then adds each sum's chunk partials in chunk order, so every
 * thread count gives the same sums.
 */
export class ProgramRunner {
  private buffer: ArrayBufferLike | undefined;
  private ints = new Int32Array(0);
  private floats = new Float32Array(0);
  private doubles = new Float64Array(0);
  private bytes = new Uint8Array(0);
  /** verified's scratch: which registers are written so far. */
  private defined = new Uint8Array(0);
  /** Each program met, by identity, and its verified frozen copy (what `run` is given). */
  private readonly verifiedCopies = new WeakMap<ElementwiseProgram, ElementwiseProgram>();
  private readonly compiled = new WeakMap<ElementwiseProgram, CompiledProgram>();
  private nextId = 0;

  /** `runChunks` shares chunks out to worker threads (a shared memory); without it chunks run here. */
  constructor(
    private readonly kernels: KernelExports,
    private readonly heap: Heap,
    private readonly runChunks?: RunChunks,
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
    const compiled = this.compile(program);
    const chunks = Math.ceil(total / CHUNK);
    // Word offsets of the descriptor's sections; the partials (f64) start on an 8-byte boundary, the
    // module's bytes (for the workers) after them.
    const inputPointers = DESCRIPTOR_OPERANDS;
    const outputPointers = inputPointers + inputs.length;
    const scalarValues = outputPointers + outputs.length;
    const partials = 2 * Math.ceil((scalarValues + program.scalars) / 2);
    const code = 4 * partials + 8 * chunks * program.sums;
    const codeLength = this.runChunks === undefined ? 0 : compiled.bytes.length;
    const descriptor = this.heap.scratch(code + codeLength, "program");
    this.views();
    const base = descriptor / 4;
    const { ints, floats } = this;
    ints[base + DESCRIPTOR_M] = m;
    ints[base + DESCRIPTOR_N] = n;
    ints[base + DESCRIPTOR_PARTIALS] = descriptor + 4 * partials;
    for (let i = 0; i < inputs.length; i++) ints[base + inputPointers + i] = inputs[i]!;
    for (let o = 0; o < outputs.length; o++) ints[base + outputPointers + o] = outputs[o]!;
    // Each scalar rounded once to float32 (computed in float64 by the caller, e.g. 1 − β).
    for (let s = 0; s < program.scalars; s++) floats[base + scalarValues + s] = scalars[s]!;
    if (this.runChunks !== undefined && chunks > 1) {
      this.bytes.set(compiled.bytes, descriptor + code);
      this.runChunks(compiled, descriptor + code, descriptor, chunks);
    } else {
      for (let chunk = 0; chunk < chunks; chunk++) compiled.run(descriptor, chunk);
    }
    if (program.sums === 0) return;
    this.views();
    const first = (descriptor + 4 * partials) / 8;
    for (let s = 0; s < program.sums; s++) {
      let sum = 0;
      for (let c = 0; c < chunks; c++) sum += this.doubles[first + c * program.sums + s]!;
      sums[s]! += sum;
    }
  }

  /** The program's module, compiled and instantiated on this backend's memory at its first run. */
  private compile(program: ElementwiseProgram): CompiledProgram {
    let compiled = this.compiled.get(program);
    if (compiled === undefined) {
      const { memory } = this.heap;
      const bytes = compileProgramModule(program, this.runChunks !== undefined);
      const { laneUnary, lanePow } = this.kernels;
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
        env: { memory, laneUnary, lanePow } satisfies ProgramImports,
      });
      compiled = { id: this.nextId++, bytes, run: instance.exports.run as CompiledRun };
      this.compiled.set(program, compiled);
    }
    return compiled;
  }

  /**
   * The program as this runner runs it, checked against the call's operand counts: a frozen copy
   * made and verified at the program's first call (`verified`), so a caller that later changes the
   * program's code or counts cannot make a compiled module disagree with the checks. Throws naming
   * what does not fit.
   */
  check(
    program: ElementwiseProgram,
    inputs: number,
    scalars: number,
    outputs: number,
    sums: number,
  ): ElementwiseProgram {
    let copy = this.verifiedCopies.get(program);
    if (copy === undefined) {
      copy = this.verified(program);
      this.verifiedCopies.set(program, copy);
    }
    if (inputs !== copy.inputs.length) fail(`the program reads ${copy.inputs.length} inputs, got ${inputs}`);
    if (outputs !== copy.outputs) fail(`the program writes ${copy.outputs} outputs, got ${outputs}`);
    if (scalars < copy.scalars) fail(`the program uses ${copy.scalars} scalars, got ${scalars}`);
    if (sums < copy.sums) fail(`the program adds into ${copy.sums} sums, got ${sums}`);
    return copy;
  }

  /**
   * A frozen copy of a well-formed program: known opcodes; registers in range and written before
   * they are read; inputs, outputs, scalars and sums in range. Throws naming the instruction
   * otherwise (a bad program must not make the kernels read or write outside its operands).
   */
  private verified(program: ElementwiseProgram): ElementwiseProgram {
    const copy: ElementwiseProgram = Object.freeze({
      code: program.code.slice(),
      registers: program.registers,
      inputs: Object.freeze([...program.inputs]),
      outputs: program.outputs,
      sums: program.sums,
      scalars: program.scalars,
    });
    const { code, registers } = copy;
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
      if (readsDst(op)) {
        read(k, 1);
        index(k, op === Op.STORE ? copy.outputs : copy.sums, op === Op.STORE ? "output" : "sum");
        continue;
      }
      if (op === Op.LOAD) index(k, copy.inputs.length, "input");
      else if (op === Op.SCALAR) index(k, copy.scalars, "scalar");
      else for (let f = 0; f < operandCount(op); f++) read(k, 2 + f);
      const dst = code[k + 1]!;
      if (!(dst >= 0 && dst < registers))
        fail(`instruction ${k / INSTRUCTION_SIZE}: register ${dst} outside 0..${registers - 1}`);
      defined[dst] = 1;
    }
    return copy;
  }

  /** The typed-array views of linear memory, re-created after the memory grew (a new buffer). */
  private views(): void {
    const { buffer } = this.heap.memory;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.ints = new Int32Array(buffer);
    this.floats = new Float32Array(buffer);
    this.doubles = new Float64Array(buffer);
    this.bytes = new Uint8Array(buffer);
  }
}
