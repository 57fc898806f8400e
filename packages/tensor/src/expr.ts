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
  /** @internal The `GraphBuilder` visit that last interned this node (see `currentVisit`). */
  visit = 0;
  /** @internal This node's value index in that visit's graph. */
  index = 0;

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

/** What `evaluate` computes: an index space, the assignments to run over it and the sums to take. */
export interface EvaluateSpec {
  /** The index space: [m, n], or a flat length L (the space [1, L]). */
  readonly shape: readonly [number, number] | number;
  /** target ← expression, each target a tensor of m·n elements. Targets may be full inputs (in place). */
  readonly assign?: readonly (readonly [Tensor, Expr])[];
  /** Expressions summed over the whole space (float64, in element order). */
  readonly sums?: readonly Expr[];
  /**
   * Expressions checked over the whole space: whether some element is NaN or ±∞ as stored in the
   * tensors' dtype. Cheaper than a sum that would say the same (no float64 accumulation).
   */
  readonly nonFinite?: readonly Expr[];
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
 * Runs the assignments, sums and checks of `spec` in ONE elementwise pass on the tensors' backend and
 * returns the sums, then per `nonFinite` expression 1 (some element is NaN or ±∞) or 0. Every
 * element's inputs are read before any target is written, so `x ← f(x)` is safe.
 * All tensors must share one backend and one dtype. A graph of a structure seen before reuses its
 * compiled program (the same `ElementwiseProgram` object) and that program's scalar and sum buffers.
 */
export function evaluate(spec: EvaluateSpec): number[] {
  const { backend, m, n, inputs, outputs, compiled, scalarValues } = prepare(spec);
  const { program, scalars, sums, checks } = compiled;
  scalars.set(scalarValues);
  sums.fill(0);
  backend.elementwise(program, m, n, inputs, scalars, outputs, sums);
  if (sums.length === 0) return [];
  const results = Array.from(sums);
  for (let s = sums.length - checks; s < sums.length; s++) results[s] = results[s] === 0 ? 0 : 1;
  return results;
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
  /** The graph's structure (see `GraphBuilder.structure`): a hit must match it exactly. */
  readonly structure: Int32Array;
  readonly program: ElementwiseProgram;
  readonly scalars: Float64Array;
  /** The SUM accumulators, then the NONFINITE ones. */
  readonly sums: Float64Array;
  /** How many of `sums` are NONFINITE's (the last ones). */
  readonly checks: number;
}

/** Most distinct program structures kept; past it the oldest is dropped. */
const CACHE_LIMIT = 512;

/**
 * Compiled programs by the hash of their graph structure (opcodes, wiring, input layouts, roots). A
 * pure memo: an entry is used only when its structure equals the graph's word for word, so a hit
 * returns what compiling again would return and changes no result (a hash collision just compiles
 * anew and replaces the entry); two copies of this package each keep their own without conflict; it
 * is the one module-level value that changes. Bounded. (The scalar and sum buffers are reused by
 * `evaluate`, which is synchronous: each call fills them before its one backend call.)
 */
const programCache = new Map<number, CachedProgram>();

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
  const nonFinite = spec.nonFinite ?? [];
  const graph = new GraphBuilder(m, n);
  const targets: Tensor[] = [];
  const assignRoots = assign.map(([target, expr], k) => {
    checkTensor("assign target", k, target, m * n, m, n);
    targets.push(target);
    return graph.value(expr);
  });
  const sumRoots = sums.map((expr) => graph.value(expr));
  const checkRoots = nonFinite.map((expr) => graph.value(expr));
  if (graph.tensors.length + targets.length === 0) {
    throw new TensorError("evaluate: no tensor is read or assigned, so there is no backend to run on");
  }
  const backend = checkOneBackend(graph.tensors, targets);
  checkOutputs(targets, graph);
  const structure = graph.structure(assignRoots, sumRoots, checkRoots);
  const hash = hashWords(structure);
  let compiled = programCache.get(hash);
  if (compiled === undefined || !sameWords(compiled.structure, structure)) {
    const program: ElementwiseProgram = {
      code: graph.emit(assignRoots, sumRoots, checkRoots),
      registers: graph.registerCount,
      inputs: graph.inputLayouts,
      outputs: targets.length,
      sums: sums.length + nonFinite.length,
      scalars: graph.scalarValues.length,
    };
    compiled = {
      structure: Int32Array.from(structure),
      program,
      scalars: new Float64Array(program.scalars),
      sums: new Float64Array(program.sums),
      checks: nonFinite.length,
    };
    programCache.delete(hash);
    if (programCache.size >= CACHE_LIMIT) programCache.delete(programCache.keys().next().value!);
    programCache.set(hash, compiled);
  }
  const outputs = targets.map((t) => t.storage);
  return { backend, m, n, inputs: graph.inputStorages, outputs, compiled, scalarValues: graph.scalarValues };
}

/** FNV-1a over 32-bit words. */
function hashWords(words: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const w of words) h = Math.imul(h ^ w, 0x01000193);
  return h >>> 0;
}

function sameWords(a: Int32Array, b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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

function checkOneBackend(inputs: readonly Tensor[], targets: readonly Tensor[]): Backend {
  const first = inputs[0] ?? targets[0]!;
  for (const t of inputs) checkSamePlace(first, t);
  for (const t of targets) checkSamePlace(first, t);
  return first.backend;
}

function checkSamePlace(first: Tensor, t: Tensor): void {
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

/** Targets are distinct storages, and none is read as a row or column vector (which would see half-written values). */
function checkOutputs(outputs: readonly Tensor[], graph: GraphBuilder): void {
  outputs.forEach((t, k) => {
    for (let earlier = 0; earlier < k; earlier++) {
      if (outputs[earlier]!.storage === t.storage) {
        throw new TensorError(`evaluate: assign target ${k} is assigned twice`);
      }
    }
    graph.inputStorages.forEach((storage, input) => {
      if (storage === t.storage && graph.inputLayouts[input] !== "full") {
        throw new TensorError(
          `evaluate: assign target ${k} is also read as a ${graph.inputLayouts[input]} vector; only a full input may be overwritten in place`,
        );
      }
    });
  });
}

const LAYOUT_SIZE: Record<InputLayout, (m: number, n: number) => number> = {
  full: (m, n) => m * n,
  row: (_m, n) => n,
  column: (m) => m,
};

const LAYOUT_CODE: Record<InputLayout, number> = { full: 0, row: 1, column: 2 };

/** Operand value indices below this make a small-integer CSE key (6 bits of opcode + 3 × 8 bits). */
const KEY_INDEX_LIMIT = 0xff;

/**
 * The visit of the `GraphBuilder` running now: an Expr it has interned carries it in `visit`, and its
 * value index in `index` (so no map from Expr is needed; evaluate is synchronous, one builder at a time).
 */
let currentVisit = 0;

/** Turns Expr trees into a deduplicated list of values in dependency order, then into code. */
class GraphBuilder {
  readonly tensors: Tensor[] = [];
  readonly inputStorages: Storage[] = [];
  readonly inputLayouts: InputLayout[] = [];
  readonly scalarValues: number[] = [];
  registerCount = 0;
  /** Per value: opcode, LOAD input or SCALAR slot, operand value indices (−1 when absent), uses. */
  private readonly ops: number[] = [];
  private readonly slots: number[] = [];
  private readonly operands: number[] = [];
  private readonly uses: number[] = [];
  /** The values in order, as words: equal words ⇔ equal program (with the roots, the cache key). */
  private readonly words: number[] = [];
  /** Values by (opcode, operands) or (input, layout): structurally equal subexpressions share one. */
  private readonly byKey = new Map<number | string, number>();
  private readonly visit = ++currentVisit;
  private readonly m: number;
  private readonly n: number;

  constructor(m: number, n: number) {
    this.m = m;
    this.n = n;
  }

  /** The value index of `expr`, adding it and its operands (iteratively: deep chains do not overflow the stack). */
  value(root: Expr): number {
    if (!(root instanceof Expr)) throw new TensorError(`evaluate: expected an Expr, got ${String(root)}`);
    const visit = this.visit;
    if (root.visit !== visit) {
      const stack: Expr[] = [root];
      while (stack.length > 0) {
        const expr = stack[stack.length - 1]!;
        if (expr.visit === visit) {
          stack.pop();
          continue;
        }
        let ready = true;
        // pushed last to first, so the leftmost operand is interned first: programs read in the order written
        for (let k = expr.operands.length - 1; k >= 0; k--) {
          const operand = expr.operands[k]!;
          if (operand.visit !== visit) {
            stack.push(operand);
            ready = false;
          }
        }
        if (!ready) continue;
        stack.pop();
        expr.index = this.intern(expr);
        expr.visit = visit;
      }
    }
    this.uses[root.index]!++;
    return root.index;
  }

  /** The words of the structure: the values' words, then the assigned, the summed and the checked roots. */
  structure(
    assignRoots: readonly number[],
    sumRoots: readonly number[],
    checkRoots: readonly number[],
  ): number[] {
    return [...this.words, -1, ...assignRoots, -2, ...sumRoots, -3, ...checkRoots];
  }

  private intern(expr: Expr): number {
    const { op } = expr;
    let slot = 0;
    let key: number | string | undefined;
    let a = -1;
    let b = -1;
    let c = -1;
    if (op === Op.LOAD) {
      slot = this.input(expr);
      key = -1 - (slot * 3 + LAYOUT_CODE[expr.layout]);
    } else if (op === Op.SCALAR) {
      slot = this.scalarValues.push(expr.value) - 1;
    } else {
      const operands = expr.operands;
      a = operands.length > 0 ? operands[0]!.index : -1;
      b = operands.length > 1 ? operands[1]!.index : -1;
      c = operands.length > 2 ? operands[2]!.index : -1;
      key =
        a < KEY_INDEX_LIMIT && b < KEY_INDEX_LIMIT && c < KEY_INDEX_LIMIT
          ? op | ((a + 1) << 6) | ((b + 1) << 14) | ((c + 1) << 22)
          : `${op}:${a},${b},${c}`;
    }
    const known = key === undefined ? undefined : this.byKey.get(key);
    if (known !== undefined) return known;
    if (a >= 0) this.uses[a]!++;
    if (b >= 0) this.uses[b]!++;
    if (c >= 0) this.uses[c]!++;
    const index = this.ops.push(op) - 1;
    this.slots.push(slot);
    this.operands.push(a, b, c);
    this.uses.push(0);
    if (key !== undefined) this.byKey.set(key, index);
    if (op === Op.LOAD) this.words.push(op, slot, LAYOUT_CODE[expr.layout]);
    else this.words.push(op, a, b, c);
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

  /**
   * Code for every value in order, then the SUMs and the NONFINITEs (their accumulators after the
   * sums'), then the STOREs (after every LOAD: in place is safe).
   */
  emit(
    assignRoots: readonly number[],
    sumRoots: readonly number[],
    checkRoots: readonly number[],
  ): Int32Array {
    const count = this.ops.length;
    const roots = assignRoots.length + sumRoots.length + checkRoots.length;
    const code = new Int32Array((count + roots) * INSTRUCTION_SIZE);
    const registerOf = new Int32Array(count);
    const uses = [...this.uses];
    const free: number[] = [];
    let p = 0;
    const put = (op: number, dst: number, a: number, b: number, c: number): void => {
      code[p++] = op;
      code[p++] = dst;
      code[p++] = a;
      code[p++] = b;
      code[p++] = c;
    };
    for (let index = 0; index < count; index++) {
      const dst = free.pop() ?? this.registerCount++;
      registerOf[index] = dst;
      const [a, b, c] = this.operands.slice(3 * index, 3 * index + 3) as [number, number, number];
      put(
        this.ops[index]!,
        dst,
        a < 0 ? this.slots[index]! : registerOf[a]!,
        b < 0 ? 0 : registerOf[b]!,
        c < 0 ? 0 : registerOf[c]!,
      );
      for (const o of [a, b, c]) if (o >= 0 && --uses[o]! === 0) free.push(registerOf[o]!);
    }
    sumRoots.forEach((root, s) => {
      put(Op.SUM, registerOf[root]!, s, 0, 0);
    });
    checkRoots.forEach((root, s) => {
      put(Op.NONFINITE, registerOf[root]!, sumRoots.length + s, 0, 0);
    });
    assignRoots.forEach((root, k) => {
      put(Op.STORE, registerOf[root]!, k, 0, 0);
    });
    return code;
  }
}
