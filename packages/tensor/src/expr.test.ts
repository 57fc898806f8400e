import { describe, expect, it } from "vitest";
import { fromArray, tensor, zeros } from "./create.js";
import type { DType } from "./dtype.js";
import {
  columnIndex,
  columnVector,
  compile,
  constant,
  type Expr,
  evaluate,
  lazy,
  rowIndex,
  rowVector,
} from "./expr.js";
import { createJsBackend, jsBackend } from "./js-backend.js";
import { INSTRUCTION_SIZE, Op } from "./program.js";
import { Rng } from "./rng.js";
import type { Tensor } from "./tensor.js";
import { applyOp } from "./testing/scalar-reference.js";

const f64 = { dtype: "float64" } as const;

function instructions(code: Int32Array): number[][] {
  const out: number[][] = [];
  for (let p = 0; p < code.length; p += INSTRUCTION_SIZE)
    out.push(Array.from(code.subarray(p, p + INSTRUCTION_SIZE)));
  return out;
}

function opcodes(code: Int32Array): number[] {
  return instructions(code).map(([op]) => op!);
}

describe("evaluate", () => {
  it("assigns and sums in one pass: out[i,j] = (a + b_j)·w_i + 10·i + j, Σ a", () => {
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      f64,
    );
    const b = tensor([10, 20, 30], f64);
    const w = tensor([1, -1], f64);
    const out = zeros([2, 3], f64);
    const e = lazy(a).add(rowVector(b)).mul(columnVector(w)).add(rowIndex().mul(10)).add(columnIndex());
    const sums = evaluate({ shape: [2, 3], assign: [[out, e]], sums: [lazy(a), lazy(a).gt(3)] });
    expect(out.toArray()).toEqual([
      [11, 23, 35],
      [-4, -14, -24],
    ]);
    expect(sums).toEqual([21, 3]);
  });

  it("reads every input before writing any target (in place, and a swap)", () => {
    const x = tensor([1, 2], f64);
    const y = tensor([10, 20], f64);
    evaluate({
      shape: 2,
      assign: [
        [x, lazy(y)],
        [y, lazy(x)],
      ],
    });
    expect([x.toArray(), y.toArray()]).toEqual([
      [10, 20],
      [1, 2],
    ]);
    const s = evaluate({ shape: 2, assign: [[x, lazy(x).mul(2)]], sums: [lazy(x)] });
    expect(x.toArray()).toEqual([20, 40]);
    expect(s).toEqual([30]);
  });

  it("rounds float32 targets once, from the double result", () => {
    const x = fromArray(new Float32Array([0.1, 1e-3]), [2]);
    const out = zeros([2]);
    evaluate({ shape: 2, assign: [[out, lazy(x).mul(3).add(0.7)]] });
    expect(Array.from(out.read())).toEqual([
      Math.fround(Math.fround(0.1) * 3 + 0.7),
      Math.fround(Math.fround(1e-3) * 3 + 0.7),
    ]);
  });

  it("checks for NaN and ±∞ as stored in the dtype, after the sums, as 1 or 0", () => {
    const largest = 2 ** 128 - 2 ** 104; // the largest float32
    const halfUlp = 2 ** 103; // a double this far past it rounds to +∞ in float32
    for (const dtype of ["float32", "float64"] as const) {
      const x = fromArray(
        dtype === "float32" ? new Float32Array([largest, 1]) : new Float64Array([largest, 1]),
        [2],
      );
      const checks = (offset: number) =>
        evaluate({ shape: 2, sums: [lazy(x)], nonFinite: [lazy(x).add(offset), lazy(x).mul(Number.NaN)] });
      const roundsUp = dtype === "float32" ? 1 : 0;
      // Σ x = largest: the 1 is far below half an ulp of the sum, in either dtype's double sum
      expect(checks(0)).toEqual([largest, 0, 1]);
      expect(checks(halfUlp - 2 ** 80).slice(1)).toEqual([0, 1]);
      expect(checks(halfUlp).slice(1)).toEqual([roundsUp, 1]);
      expect(checks(-Infinity).slice(1)).toEqual([1, 1]);
    }
    const program = compile({
      shape: 2,
      sums: [constant(1).add(lazy(zeros([2])))],
      nonFinite: [lazy(zeros([2]))],
    }).program;
    expect(opcodes(program.code).slice(-2)).toEqual([Op.SUM, Op.NONFINITE]);
    expect(program.sums).toBe(2);
  });

  it("refuses what it cannot run, naming the operand and expected vs actual", () => {
    const a = zeros([2, 3], f64);
    expect(() => evaluate({ shape: [3, 2], assign: [[zeros([5], f64), lazy(a)]] })).toThrow(
      "evaluate: assign target 0 has shape [5] (5 elements), expected 6 for the space [3,2]",
    );
    expect(() => evaluate({ shape: [2, 3], sums: [rowVector(a)] })).toThrow(
      "evaluate: row input 0 has shape [2,3] (6 elements), expected 3 for the space [2,3]",
    );
    expect(() => evaluate({ shape: [2, 3], sums: [lazy(a).add(lazy(zeros([2, 3])))] })).toThrow(
      "evaluate: dtypes differ: float64[2,3] and float32[2,3]",
    );
    const elsewhere = zeros([2, 3], { dtype: "float64", backend: createJsBackend() });
    expect(() => evaluate({ shape: [2, 3], sums: [lazy(a).add(lazy(elsewhere))] })).toThrow(
      "evaluate: tensors live on different backends (js and js)",
    );
    expect(() =>
      evaluate({
        shape: [2, 3],
        assign: [
          [a, constant(1)],
          [a, constant(2)],
        ],
      }),
    ).toThrow("evaluate: assign target 1 is assigned twice");
    const v = zeros([3], f64);
    expect(() => evaluate({ shape: [1, 3], assign: [[v, rowVector(v).mul(2)]] })).toThrow(
      "evaluate: assign target 0 is also read as a row vector; only a full input may be overwritten in place",
    );
    expect(() => evaluate({ shape: 3, sums: [constant(1)] })).toThrow(
      "evaluate: no tensor is read or assigned",
    );
    expect(() => evaluate({ shape: [2, -1], sums: [lazy(a)] })).toThrow("evaluate: shape must be [m, n]");
    expect(() => evaluate({ shape: 6, sums: [3 as unknown as Expr] })).toThrow(
      "evaluate: expected an Expr, got 3",
    );
  });
});

describe("compile", () => {
  const a = zeros([4], f64);
  const b = zeros([4], f64);

  it("shares structurally equal subexpressions and loads each input once", () => {
    const product = () => lazy(a).mul(lazy(b));
    const { program } = compile({ shape: 4, assign: [[zeros([4], f64), product().add(product())]] });
    expect(opcodes(program.code).sort()).toEqual([Op.LOAD, Op.LOAD, Op.MUL, Op.ADD, Op.STORE].sort());
    expect(program.inputs).toEqual(["full", "full"]);
  });

  it("makes every number a scalar slot: the program depends on the structure, not on values", () => {
    const step = (beta: number) =>
      lazy(a)
        .mul(beta)
        .add(lazy(b).mul(1 - beta));
    const first = compile({ shape: 4, assign: [[a, step(0.9)]] });
    const second = compile({ shape: 4, assign: [[a, step(0.5)]] });
    expect(Array.from(second.program.code)).toEqual(Array.from(first.program.code));
    expect(Array.from(first.scalars)).toEqual([0.9, 1 - 0.9]);
    expect(Array.from(second.scalars)).toEqual([0.5, 0.5]);
  });

  it("returns the same program object for a graph of the same structure, and another for another", () => {
    const step = (beta: number) =>
      lazy(a)
        .mul(beta)
        .add(lazy(b).mul(1 - beta));
    const first = compile({ shape: 4, assign: [[a, step(0.9)]] }).program;
    expect(compile({ shape: 4, assign: [[a, step(0.1)]] }).program).toBe(first);
    expect(compile({ shape: [2, 2], assign: [[a, step(0.1)]] }).program).toBe(first);
    expect(compile({ shape: 4, assign: [[b, step(0.1)]] }).program).toBe(first);
    expect(compile({ shape: 4, assign: [[a, step(0.9).sqrt()]] }).program).not.toBe(first);
    // the same wiring with the inputs swapped is the same program
    expect(compile({ shape: 4, assign: [[a, lazy(b).mul(0.9).add(lazy(a).mul(0.1))]] }).program).toBe(first);
    expect(compile({ shape: 4, assign: [[a, lazy(a).mul(0.9).add(lazy(a).mul(0.1))]] }).program).not.toBe(
      first,
    );
    expect(
      compile({
        shape: 4,
        assign: [
          [
            a,
            rowVector(zeros([4], f64))
              .mul(0.9)
              .add(lazy(b).mul(0.1)),
          ],
        ],
      }).program,
    ).not.toBe(first);
  });

  it("evaluates a cached program with this call's scalars and fresh sums", () => {
    const x = tensor([1, 2, 3], f64);
    const out = zeros([3], f64);
    for (const s of [2, -1, 0.5]) {
      const [total] = evaluate({ shape: 3, assign: [[out, lazy(x).mul(s)]], sums: [lazy(x).mul(s)] });
      expect(out.toArray()).toEqual([s, 2 * s, 3 * s]);
      expect(total).toBe(6 * s);
    }
  });

  it("reuses dead registers: a 10 000-op chain needs two, and compiles without deep recursion", () => {
    let e = lazy(a);
    for (let k = 0; k < 10_000; k++) e = k % 2 === 0 ? e.tanh() : e.neg();
    const { program } = compile({ shape: 4, assign: [[b, e]] });
    expect(program.registers).toBe(2);
    expect(program.code.length).toBe((1 + 10_000 + 1) * INSTRUCTION_SIZE);
  });
});

/*
 * Property: for random expression DAGs over full, row and column inputs, indices and scalars, the
 * compiled program run by the JS backend equals a direct recursive evaluation of the same Expr tree,
 * element by element, in double arithmetic (bitwise), and float32 targets get that double rounded once.
 * Seeded, so a failure reproduces; the seed is in the test name.
 */
const UNARY_OPS = [
  Op.NEG,
  Op.ABS,
  Op.SQRT,
  Op.EXP,
  Op.EXPM1,
  Op.LOG,
  Op.LOG1P,
  Op.TANH,
  Op.COSH,
  Op.ERFC,
  Op.SIGN,
];
const BINARY_OPS = [
  Op.ADD,
  Op.SUB,
  Op.MUL,
  Op.DIV,
  Op.MAX,
  Op.MIN,
  Op.LT,
  Op.LE,
  Op.GT,
  Op.GE,
  Op.EQ,
  Op.POW,
];
const METHOD: Record<number, keyof Expr> = {
  [Op.NEG]: "neg",
  [Op.ABS]: "abs",
  [Op.SQRT]: "sqrt",
  [Op.EXP]: "exp",
  [Op.EXPM1]: "expm1",
  [Op.LOG]: "log",
  [Op.LOG1P]: "log1p",
  [Op.TANH]: "tanh",
  [Op.COSH]: "cosh",
  [Op.ERFC]: "erfc",
  [Op.SIGN]: "sign",
  [Op.ADD]: "add",
  [Op.SUB]: "sub",
  [Op.MUL]: "mul",
  [Op.DIV]: "div",
  [Op.MAX]: "max",
  [Op.MIN]: "min",
  [Op.LT]: "lt",
  [Op.LE]: "le",
  [Op.GT]: "gt",
  [Op.GE]: "ge",
  [Op.EQ]: "eq",
  [Op.POW]: "pow",
};

/** A leaf's value at element (i, j) of an m×n space; an op node's by applyOp over its operands. */
function direct(
  e: Expr,
  i: number,
  j: number,
  n: number,
  values: Map<Tensor, Float64Array>,
  memo: Map<Expr, number>,
): number {
  const known = memo.get(e);
  if (known !== undefined) return known;
  let result: number;
  if (e.op === Op.LOAD) {
    const x = values.get(e.tensor!)!;
    result = x[e.layout === "full" ? i * n + j : e.layout === "row" ? j : i]!;
  } else if (e.op === Op.SCALAR) result = e.value;
  else if (e.op === Op.ROW_INDEX) result = i;
  else if (e.op === Op.COLUMN_INDEX) result = j;
  else {
    const [a = 0, b = 0, c = 0] = e.operands.map((o) => direct(o, i, j, n, values, memo));
    result = applyOp(e.op, a, b, c);
  }
  memo.set(e, result);
  return result;
}

function randomExpression(rng: Rng, leaves: Expr[], size: number): Expr {
  const pool = [...leaves];
  for (let k = 0; k < size; k++) {
    const pick = () => pool[pool.length - 1 - rng.int(Math.min(pool.length, 6))]!;
    const kind = rng.int(10);
    let e: Expr;
    if (kind < 4) e = (pick()[METHOD[UNARY_OPS[rng.int(UNARY_OPS.length)]!]!] as () => Expr).call(pick());
    else if (kind < 8) {
      const right = rng.int(4) === 0 ? rng.normal() : pick();
      e = (pick()[METHOD[BINARY_OPS[rng.int(BINARY_OPS.length)]!]!] as (b: Expr | number) => Expr).call(
        pick(),
        right,
      );
    } else if (kind === 8)
      e = pick()
        .gt(pick())
        .select(pick(), rng.int(2) === 0 ? pick() : rng.normal());
    else e = pick().mulAdd(pick(), pick());
    pool.push(e);
  }
  return pool[pool.length - 1]!;
}

function filled(rng: Rng, length: number, dtype: DType): Tensor {
  const values = Array.from({ length }, () =>
    rng.int(12) === 0 ? [0, -1, 2.5, Number.NaN, Infinity][rng.int(5)]! : 3 * rng.normal(),
  );
  return tensor(values, { dtype });
}

describe("compile ∘ JS backend ≡ direct evaluation of the expression (seeded random programs)", () => {
  const SHAPES: [number, number][] = [
    [0, 4],
    [1, 1],
    [3, 5],
    [9, 7],
    [17, 31],
  ];
  for (let seed = 1; seed <= 60; seed++) {
    const dtype: DType = seed % 3 === 0 ? "float32" : "float64";
    const [m, n] = SHAPES[seed % SHAPES.length]!;
    it(`seed ${seed}: ${dtype} [${m},${n}]`, () => {
      const rng = new Rng(seed);
      const full = [filled(rng, m * n, dtype), filled(rng, m * n, dtype), filled(rng, m * n, dtype)];
      const row = filled(rng, n, dtype);
      const column = filled(rng, m, dtype);
      const values = new Map([...full, row, column].map((t) => [t, t.read(new Float64Array(t.size))]));
      const leaves = [
        ...full.map(lazy),
        rowVector(row),
        columnVector(column),
        rowIndex(),
        columnIndex(),
        constant(rng.normal()),
      ];
      const exprs = [
        randomExpression(rng, leaves, 4 + rng.int(30)),
        randomExpression(rng, leaves, 4 + rng.int(30)),
      ];
      const sumExpr = randomExpression(rng, leaves, 2 + rng.int(10));
      // targets: a fresh tensor and (in place) the first full input
      const fresh = zeros([m * n], { dtype });
      const sums = evaluate({
        shape: [m, n],
        assign: [
          [fresh, exprs[0]!],
          [full[0]!, exprs[1]!],
        ],
        sums: [sumExpr],
      });
      const round = dtype === "float32" ? Math.fround : (x: number) => x;
      let expectedSum = 0;
      const want = [new Float64Array(m * n), new Float64Array(m * n)];
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const memo = new Map<Expr, number>();
          want[0]![i * n + j] = round(direct(exprs[0]!, i, j, n, values, memo));
          want[1]![i * n + j] = round(direct(exprs[1]!, i, j, n, values, memo));
          expectedSum += direct(sumExpr, i, j, n, values, memo);
        }
      }
      expect(Array.from(fresh.read(new Float64Array(m * n)))).toEqual(Array.from(want[0]!));
      expect(Array.from(full[0]!.read(new Float64Array(m * n)))).toEqual(Array.from(want[1]!));
      expect(sums[0]).toEqual(expectedSum);
      // structural invariants of the compiled program
      const { program } = compile({ shape: [m, n], assign: [[fresh, exprs[0]!]], sums: [sumExpr] });
      const code = instructions(program.code);
      const lastLoad = code.map(([op]) => op).lastIndexOf(Op.LOAD);
      const firstStore = code.map(([op]) => op).indexOf(Op.STORE);
      expect(firstStore).toBeGreaterThan(lastLoad);
      for (const [op, dst, a, b, c] of code) {
        expect(dst!).toBeLessThan(program.registers);
        const operands =
          op === Op.SELECT || op === Op.MUL_ADD
            ? [a, b, c]
            : op! >= Op.ADD && op! < Op.SELECT
              ? [a, b]
              : op! >= Op.NEG && op! < Op.ADD
                ? [a]
                : [];
        expect(operands).not.toContain(dst);
      }
    });
  }
  it("uses the jsBackend by default", () => expect(zeros([1]).backend).toBe(jsBackend));
});
