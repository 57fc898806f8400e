import type { Backend, Storage } from "./backend.js";
import { DTypeError, formatShape, ShapeError, TensorError } from "./errors.js";
import { type ElementwiseProgram, INSTRUCTION_SIZE, type InputLayout, Op } from "./program.js";
import type { Tensor } from "./tensor.js";

type Operand = Expr | number;

/**
 * A node of a lazy elementwise expression over tensors: nothing is computed until `evaluate` runs
 * the expressions it is given as ONE `Backend.elementwise` pass. Immutable; numbers become scalar
 * slots (`constant`), so an expression's compiled program depends on its structure, never on values:
 * `m.mul(b1).add(g.mul(1 - b1))` compiles to the same program every step.
 */
export class Expr {
  /** @internal */
  readonly op: number;
  /** @internal */
  readonly operands: readonly Expr[];
  /** @internal The leaf tensor of a LOAD. */
  readonly tensor: Tensor | undefined;
  /** @internal The layout of a LOAD. */
  readonly layout: InputLayout;
  /** @internal The value of a SCALAR. */
  readonly value: number;

  /** @internal Use `lazy`, `rowVector`, `columnVector`, `constant`, `rowIndex`, `columnIndex`. */
  constructor(
    op: number,
    operands: readonly Expr[],
    leaf?: { tensor: Tensor; layout: InputLayout },
    value = 0,
  ) {
    this.op = op;
    this.operands = operands;
    this.tensor = leaf?.tensor;
    this.layout = leaf?.layout ?? "full";
    this.value = value;
  }

  /** this + b */
  add(b: Operand): Expr {
    return this.binary(Op.ADD, b);
  }
  /** this − b */
  sub(b: Operand): Expr {
    return this.binary(Op.SUB, b);
  }
  /** this · b */
  mul(b: Operand): Expr {
    return this.binary(Op.MUL, b);
  }
  /** this / b */
  div(b: Operand): Expr {
    return this.binary(Op.DIV, b);
  }
  /** max(this, b), NaN if either is NaN */
  max(b: Operand): Expr {
    return this.binary(Op.MAX, b);
  }
  /** min(this, b), NaN if either is NaN */
  min(b: Operand): Expr {
    return this.binary(Op.MIN, b);
  }
  /** this ** b */
  pow(b: Operand): Expr {
    return this.binary(Op.POW, b);
  }
  /** this < b ? 1 : 0 */
  lt(b: Operand): Expr {
    return this.binary(Op.LT, b);
  }
  /** this ≤ b ? 1 : 0 */
  le(b: Operand): Expr {
    return this.binary(Op.LE, b);
  }
  /** this > b ? 1 : 0 */
  gt(b: Operand): Expr {
    return this.binary(Op.GT, b);
  }
  /** this ≥ b ? 1 : 0 */
  ge(b: Operand): Expr {
    return this.binary(Op.GE, b);
  }
  /** this = b ? 1 : 0 */
  eq(b: Operand): Expr {
    return this.binary(Op.EQ, b);
  }
  /** −this */
  neg(): Expr {
    return new Expr(Op.NEG, [this]);
  }
  /** |this| */
  abs(): Expr {
    return new Expr(Op.ABS, [this]);
  }
  /** √this */
  sqrt(): Expr {
    return new Expr(Op.SQRT, [this]);
  }
  /** e^this */
  exp(): Expr {
    return new Expr(Op.EXP, [this]);
  }
  /** e^this − 1, accurate near 0 */
  expm1(): Expr {
    return new Expr(Op.EXPM1, [this]);
  }
  /** ln this */
  log(): Expr {
    return new Expr(Op.LOG, [this]);
  }
  /** ln(1 + this), accurate near 0 */
  log1p(): Expr {
    return new Expr(Op.LOG1P, [this]);
  }
  /** tanh this */
  tanh(): Expr {
    return new Expr(Op.TANH, [this]);
  }
  /** cosh this */
  cosh(): Expr {
    return new Expr(Op.COSH, [this]);
  }
  /** erfc this = 1 − erf this */
  erfc(): Expr {
    return new Expr(Op.ERFC, [this]);
  }
  /** −1, 0 or 1 by the sign of this (NaN stays NaN) */
  sign(): Expr {
    return new Expr(Op.SIGN, [this]);
  }
  /** this ≠ 0 ? ifTrue : ifFalse (a NaN condition picks ifTrue) */
  select(ifTrue: Operand, ifFalse: Operand): Expr {
    return new Expr(Op.SELECT, [this, toExpr(ifTrue), toExpr(ifFalse)]);
  }
  /** this·b + c, rounded after the product and after the sum (not a fused fma) */
  mulAdd(b: Operand, c: Operand): Expr {
    return new Expr(Op.MUL_ADD, [this, toExpr(b), toExpr(c)]);
  }

  private binary(op: number, b: Operand): Expr {
    return new Expr(op, [this, toExpr(b)]);
  }
}

function toExpr(x: Operand): Expr {
  return typeof x === "number" ? constant(x) : x;
}

/** The tensor's elements, one per element of the index space ("full" input). */
export function lazy(t: Tensor): Expr {
  return new Expr(Op.LOAD, [], { tensor: t, layout: "full" });
}

/** A length-n tensor broadcast down the rows of an m×n space: element (i, j) reads t[j] (the bias). */
export function rowVector(t: Tensor): Expr {
  return new Expr(Op.LOAD, [], { tensor: t, layout: "row" });
}

/** A length-m tensor, one value per row of an m×n space: element (i, j) reads t[i] (labels, log-sum-exp). */
export function columnVector(t: Tensor): Expr {
  return new Expr(Op.LOAD, [], { tensor: t, layout: "column" });
}

/** A number, held in a scalar slot of the program (so the program does not depend on its value). */
export function constant(x: number): Expr {
  if (typeof x !== "number") throw new TensorError(`constant: expected a number, got ${typeof x}`);
  return new Expr(Op.SCALAR, [], undefined, x);
}

/** The row i of the element (i, j). */
export function rowIndex(): Expr {
  return new Expr(Op.ROW_INDEX, []);
}

/** The column j of the element (i, j). */
export function columnIndex(): Expr {
  return new Expr(Op.COLUMN_INDEX, []);
}

export interface EvaluateSpec {
  /** The index space: [m, n], or a flat length L (the space [1, L]). */
  readonly shape: readonly [number, number] | number;
  /** target ← expression, each target a tensor of m·n elements. Targets may be full inputs (in place). */
  readonly assign?: readonly (readonly [Tensor, Expr])[];
  /** Expressions summed over the whole space (float64, in element order). */
  readonly sums?: readonly Expr[];
}

/** An `EvaluateSpec` compiled: the program and the arguments of its `Backend.elementwise` call. */
export interface CompiledEvaluation {
  readonly backend: Backend;
  readonly program: ElementwiseProgram;
  readonly m: number;
  readonly n: number;
  readonly inputs: readonly Storage[];
  readonly scalars: Float64Array;
  readonly outputs: readonly Storage[];
}

/**
 * Runs the assignments and sums of `spec` in ONE elementwise pass on the tensors' backend and returns
 * the sums. Every element's inputs are read before any target is written, so `x ← f(x)` is safe.
 * All tensors must share one backend and one dtype. A graph of a structure seen before reuses its
 * compiled program (the same `ElementwiseProgram` object) and that program's scalar and sum buffers.
 */
export function evaluate(spec: EvaluateSpec): number[] {
  const { backend, m, n, inputs, outputs, compiled, scalarValues } = prepare(spec);
  const { program, scalars, sums } = compiled;
  scalars.set(scalarValues);
  sums.fill(0);
  backend.elementwise(program, m, n, inputs, scalars, outputs, sums);
  return sums.length === 0 ? [] : Array.from(sums);
}

/**
 * Compiles `spec` to an elementwise program: one register per distinct subexpression (structurally
 * equal subexpressions over the same inputs share one), registers reused once dead, every number a
 * scalar slot, all STOREs after all LOADs. Returns what `evaluate` would pass to `backend.elementwise`.
 */
export function compile(spec: EvaluateSpec): CompiledEvaluation {
  const { backend, m, n, inputs, outputs, compiled, scalarValues } = prepare(spec);
  return {
    backend,
    program: compiled.program,
    m,
    n,
    inputs,
    scalars: Float64Array.from(scalarValues),
    outputs,
  };
}

/** A compiled program with the scalar and sum buffers its evaluations reuse. */
interface CachedProgram {
  readonly program: ElementwiseProgram;
  readonly scalars: Float64Array;
  readonly sums: Float64Array;
}

/** Most distinct program structures kept; past it the oldest is dropped. */
const CACHE_LIMIT = 512;

/**
 * Compiled programs by graph structure (opcodes, wiring, input layouts, roots). A pure memo: a hit
 * returns what compiling again would return, so it changes no result, and two copies of this package
 * each keep their own without conflict; it is the one module-level value that changes. Bounded.
 * (The scalar and sum buffers are reused by `evaluate`, which is synchronous: each call fills them
 * before its one backend call.)
 */
const programCache = new Map<string, CachedProgram>();

interface Prepared {
  readonly backend: Backend;
  readonly m: number;
  readonly n: number;
  readonly inputs: readonly Storage[];
  readonly outputs: readonly Storage[];
  readonly compiled: CachedProgram;
  readonly scalarValues: readonly number[];
}

function prepare(spec: EvaluateSpec): Prepared {
  const [m, n] = resolveSpace(spec.shape);
  const assign = spec.assign ?? [];
  const sums = spec.sums ?? [];
  const graph = new GraphBuilder(m, n);
  const assignRoots = assign.map(([target, expr], k) => {
    checkTensor("assign target", k, target, m * n, m, n);
    return graph.value(expr);
  });
  const sumRoots = sums.map((expr) => graph.value(expr));
  const targets = assign.map(([target]) => target);
  if (graph.tensors.length + targets.length === 0) {
    throw new TensorError("evaluate: no tensor is read or assigned, so there is no backend to run on");
  }
  const backend = checkOneBackend([...graph.tensors, ...targets]);
  checkOutputs(targets, graph);
  const key = `${graph.structure}|${assignRoots.join(",")}|${sumRoots.join(",")}`;
  let compiled = programCache.get(key);
  if (compiled === undefined) {
    const program: ElementwiseProgram = {
      code: graph.emit(assignRoots, sumRoots),
      registers: graph.registerCount,
      inputs: graph.inputLayouts,
      outputs: targets.length,
      sums: sums.length,
      scalars: graph.scalarValues.length,
    };
    compiled = { program, scalars: new Float64Array(program.scalars), sums: new Float64Array(program.sums) };
    if (programCache.size >= CACHE_LIMIT) programCache.delete(programCache.keys().next().value!);
    programCache.set(key, compiled);
  }
  const outputs = targets.map((t) => t.storage);
  return { backend, m, n, inputs: graph.inputStorages, outputs, compiled, scalarValues: graph.scalarValues };
}

function resolveSpace(shape: EvaluateSpec["shape"]): [number, number] {
  const [m, n] = typeof shape === "number" ? [1, shape] : shape;
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 0 || n < 0) {
    throw new ShapeError(
      `evaluate: shape must be [m, n] or a length of non-negative integers, got ${String(shape)}`,
    );
  }
  return [m, n];
}

function checkTensor(what: string, k: number, t: Tensor, size: number, m: number, n: number): void {
  if (t.size !== size) {
    throw new ShapeError(
      `evaluate: ${what} ${k} has shape ${formatShape(t.shape)} (${t.size} elements), expected ${size} for the space [${m},${n}]`,
    );
  }
}

function checkOneBackend(tensors: readonly Tensor[]): Backend {
  const first = tensors[0]!;
  for (const t of tensors) {
    if (t.backend !== first.backend) {
      throw new TensorError(
        `evaluate: tensors live on different backends (${first.backend.name} and ${t.backend.name})`,
      );
    }
    if (t.dtype !== first.dtype) {
      throw new DTypeError(
        `evaluate: dtypes differ: ${first.dtype}${formatShape(first.shape)} and ${t.dtype}${formatShape(t.shape)}`,
      );
    }
  }
  return first.backend;
}

/** Targets are distinct storages, and none is read as a row or column vector (which would see half-written values). */
function checkOutputs(outputs: readonly Tensor[], graph: GraphBuilder): void {
  const seen = new Set<Storage>();
  outputs.forEach((t, k) => {
    if (seen.has(t.storage)) throw new TensorError(`evaluate: assign target ${k} is assigned twice`);
    seen.add(t.storage);
    graph.inputStorages.forEach((storage, input) => {
      if (storage === t.storage && graph.inputLayouts[input] !== "full") {
        throw new TensorError(
          `evaluate: assign target ${k} is also read as a ${graph.inputLayouts[input]} vector; only a full input may be overwritten in place`,
        );
      }
    });
  });
}

/** One distinct value of the expression graph: an instruction without its registers. */
interface Value {
  readonly op: number;
  readonly operands: readonly number[];
  /** LOAD: input index; SCALAR: slot. */
  readonly slot: number;
  uses: number;
}

const LAYOUT_SIZE: Record<InputLayout, (m: number, n: number) => number> = {
  full: (m, n) => m * n,
  row: (_m, n) => n,
  column: (m) => m,
};

/** Turns Expr trees into a deduplicated list of values in dependency order, then into code. */
class GraphBuilder {
  readonly values: Value[] = [];
  readonly tensors: Tensor[] = [];
  readonly inputStorages: Storage[] = [];
  readonly inputLayouts: InputLayout[] = [];
  readonly scalarValues: number[] = [];
  registerCount = 0;
  /** The values in order, as text: equal text ⇔ equal program (the cache key). */
  structure = "";
  private readonly byExpr = new Map<Expr, number>();
  private readonly byKey = new Map<string, number>();
  private readonly m: number;
  private readonly n: number;

  constructor(m: number, n: number) {
    this.m = m;
    this.n = n;
  }

  /** The value index of `expr`, adding it and its operands (iteratively: deep chains do not overflow the stack). */
  value(root: Expr): number {
    if (!(root instanceof Expr)) throw new TensorError(`evaluate: expected an Expr, got ${String(root)}`);
    const stack: Expr[] = [root];
    while (stack.length > 0) {
      const expr = stack[stack.length - 1]!;
      if (this.byExpr.has(expr)) {
        stack.pop();
        continue;
      }
      let ready = true;
      // pushed last to first, so the leftmost operand is interned first: programs read in the order written
      for (let k = expr.operands.length - 1; k >= 0; k--) {
        const operand = expr.operands[k]!;
        if (!this.byExpr.has(operand)) {
          stack.push(operand);
          ready = false;
        }
      }
      if (!ready) continue;
      stack.pop();
      this.byExpr.set(expr, this.intern(expr));
    }
    const index = this.byExpr.get(root)!;
    this.values[index]!.uses++;
    return index;
  }

  private intern(expr: Expr): number {
    const operands: number[] = [];
    let slot = 0;
    let key: string | undefined;
    if (expr.op === Op.LOAD) {
      slot = this.input(expr);
      key = `L${slot}${expr.layout}`;
    } else if (expr.op === Op.SCALAR) {
      slot = this.scalarValues.push(expr.value) - 1;
    } else {
      key = `${expr.op}:`;
      for (const o of expr.operands) {
        const index = this.byExpr.get(o)!;
        operands.push(index);
        key += `${index},`;
      }
    }
    const known = key === undefined ? undefined : this.byKey.get(key);
    if (known !== undefined) return known;
    for (const o of operands) this.values[o]!.uses++;
    const index = this.values.push({ op: expr.op, operands, slot, uses: 0 }) - 1;
    if (key !== undefined) this.byKey.set(key, index);
    this.structure += `${key ?? "S"};`;
    return index;
  }

  private input(expr: Expr): number {
    const t = expr.tensor!;
    const storage = t.storage;
    for (let i = 0; i < this.inputStorages.length; i++) {
      if (this.inputStorages[i] === storage && this.inputLayouts[i] === expr.layout) return i;
    }
    checkTensor(
      `${expr.layout} input`,
      this.inputStorages.length,
      t,
      LAYOUT_SIZE[expr.layout](this.m, this.n),
      this.m,
      this.n,
    );
    this.tensors.push(t);
    this.inputLayouts.push(expr.layout);
    return this.inputStorages.push(storage) - 1;
  }

  /** Code for every value in order, then the SUMs, then the STOREs (after every LOAD: in place is safe). */
  emit(assignRoots: readonly number[], sumRoots: readonly number[]): Int32Array {
    const code = new Int32Array(
      (this.values.length + assignRoots.length + sumRoots.length) * INSTRUCTION_SIZE,
    );
    const registerOf = new Int32Array(this.values.length);
    const free: number[] = [];
    let p = 0;
    const put = (op: number, dst: number, a: number, b: number, c: number): void => {
      code[p++] = op;
      code[p++] = dst;
      code[p++] = a;
      code[p++] = b;
      code[p++] = c;
    };
    this.values.forEach((v, index) => {
      const dst = free.pop() ?? this.registerCount++;
      registerOf[index] = dst;
      const [a = v.slot, b = 0, c = 0] = v.operands.map((o) => registerOf[o]!);
      put(v.op, dst, a, b, c);
      for (const o of v.operands) {
        const operand = this.values[o]!;
        if (--operand.uses === 0) free.push(registerOf[o]!);
      }
    });
    sumRoots.forEach((root, s) => {
      put(Op.SUM, registerOf[root]!, s, 0, 0);
    });
    assignRoots.forEach((root, k) => {
      put(Op.STORE, registerOf[root]!, k, 0, 0);
    });
    return code;
  }
}
