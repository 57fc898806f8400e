import type { Backend } from "../backend.js";
import type { DType } from "../dtype.js";
import {
  columnIndex,
  columnVector,
  constant,
  type Expr,
  evaluate,
  lazy,
  rowIndex,
  rowVector,
} from "../expr.js";
import { Rng } from "../rng.js";
import { Tensor } from "../tensor.js";
import { EXACT, type Tolerance } from "./compare.js";

/** One conformance check: a computation run on the backend and on the JS reference, compared. */
export interface ComparedCase {
  readonly name: string;
  /** Runs on `backend`, returning what it produced (read back as float64). */
  run(backend: Backend): Float64Array[];
  /** The allowed error, given the reference's results (and the reference, to compute bounds on). */
  tolerance(expected: readonly Float64Array[], reference: Backend): Tolerance;
}

/** One conformance check with its own expectations (memory semantics): throws when the backend is wrong. */
export interface DirectCase {
  readonly name: string;
  check(backend: Backend): void;
}

export type BackendCase = ComparedCase | DirectCase;

/** The shapes every primitive runs on: empty, a single element, odd sizes, and blocks crossing rows. */
export const CONFORMANCE_SHAPES: readonly (readonly [number, number])[] = [
  [0, 3],
  [4, 0],
  [1, 1],
  [3, 5],
  [7, 33],
  [129, 257],
];

const DTYPES: readonly DType[] = ["float32", "float64"];
const SPECIALS = [Number.NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 1e-30, 1e30];
/** Unit roundoff of each dtype. */
const ROUNDOFF: Record<DType, number> = { float32: 2 ** -24, float64: 2 ** -53 };

type Domain = "normal" | "finite" | "positive" | "condition";

function draw(rng: Rng, domain: Domain): number {
  if (domain === "condition") return [0, 0, 1, -2, Number.NaN][rng.int(5)]!;
  if (domain !== "finite" && rng.uniform() < 0.15) return SPECIALS[rng.int(SPECIALS.length)]!;
  return domain === "positive" ? rng.uniformIn(0.05, 5) : 2 * rng.normal();
}

/** Makes the tensors of one case on one backend, from a seeded stream (the same on every backend). */
class Maker {
  readonly backend: Backend;
  readonly dtype: DType;
  private readonly rng: Rng;

  constructor(backend: Backend, dtype: DType, seed: number) {
    this.backend = backend;
    this.dtype = dtype;
    this.rng = new Rng(seed);
  }

  tensor(length: number, domain: Domain | "zeros" | "nan"): Tensor {
    const storage = this.backend.allocate(this.dtype, length);
    const values = new Float64Array(length);
    for (let k = 0; k < length; k++) {
      values[k] = domain === "zeros" ? 0 : domain === "nan" ? Number.NaN : draw(this.rng, domain);
    }
    this.backend.write(storage, 0, values);
    return new Tensor(storage, [length], this.backend);
  }
}

function readAll(tensors: readonly Tensor[]): Float64Array[] {
  return tensors.map((t) => t.read(new Float64Array(t.size)));
}

/** rel·|e| + abs·max(1, max|e|) for each expected element e: a scale-aware bound for chains of roundings. */
function scaled(expected: readonly Float64Array[], rel: number): Float64Array[] {
  return expected.map((e) => {
    let top = 1;
    for (const x of e) if (Number.isFinite(x)) top = Math.max(top, Math.abs(x));
    return e.map((x) => rel * Math.abs(x) + rel * top);
  });
}

/** Tolerance of a result whose every element is one correctly rounded operation: exact. */
const exact = (): Tolerance => EXACT;

type Program = (x: readonly Expr[]) => Expr;

const UNARY: readonly [string, Program, Domain, boolean][] = [
  ["NEG", ([a]) => a!.neg(), "normal", false],
  ["ABS", ([a]) => a!.abs(), "normal", false],
  ["SQRT", ([a]) => a!.sqrt(), "positive", false],
  ["SIGN", ([a]) => a!.sign(), "normal", false],
  ["EXP", ([a]) => a!.exp(), "normal", true],
  ["EXPM1", ([a]) => a!.expm1(), "normal", true],
  ["LOG", ([a]) => a!.log(), "positive", true],
  ["LOG1P", ([a]) => a!.log1p(), "positive", true],
  ["TANH", ([a]) => a!.tanh(), "normal", true],
  ["COSH", ([a]) => a!.cosh(), "normal", true],
  ["ERFC", ([a]) => a!.erfc(), "normal", true],
];

const BINARY: readonly [string, Program, boolean][] = [
  ["ADD", ([a, b]) => a!.add(b!), false],
  ["SUB", ([a, b]) => a!.sub(b!), false],
  ["MUL", ([a, b]) => a!.mul(b!), false],
  ["DIV", ([a, b]) => a!.div(b!), false],
  ["MAX", ([a, b]) => a!.max(b!), false],
  ["MIN", ([a, b]) => a!.min(b!), false],
  ["LT", ([a, b]) => a!.lt(b!), false],
  ["LE", ([a, b]) => a!.le(b!), false],
  ["GT", ([a, b]) => a!.gt(b!), false],
  ["GE", ([a, b]) => a!.ge(b!), false],
  ["EQ", ([a, b]) => a!.eq(b!), false],
  ["POW", ([a, b]) => a!.pow(b!), true],
];

/** Transcendental functions are not correctly rounded: a few ulps in float64, float32-level otherwise. */
function transcendental(dtype: DType): Tolerance {
  return dtype === "float64" ? { rel: 2 ** -50, abs: 1e-300 } : { rel: 2 ** -19, abs: 2 ** -126 };
}

/** out ← program(inputs) for fresh full inputs of the given domains: one opcode under test. */
function opcodeCase(
  name: string,
  dtype: DType,
  [m, n]: readonly [number, number],
  domains: readonly Domain[],
  program: Program,
  tolerance: (expected: readonly Float64Array[]) => Tolerance,
  seed: number,
): ComparedCase {
  return {
    name: `elementwise ${name} ${dtype} [${m},${n}]`,
    run(backend) {
      const make = new Maker(backend, dtype, seed);
      const inputs = domains.map((d) => make.tensor(m * n, d));
      const out = make.tensor(m * n, "nan");
      evaluate({ shape: [m, n], assign: [[out, program(inputs.map(lazy))]] });
      return readAll([out]);
    },
    tolerance,
  };
}

function opcodeCases(dtype: DType, shape: readonly [number, number], seed: number): ComparedCase[] {
  const near = (t: boolean) => (t ? () => transcendental(dtype) : exact);
  const fused = (expected: readonly Float64Array[]): Tolerance =>
    dtype === "float64" ? EXACT : scaled(expected, 2 ** -22);
  return [
    opcodeCase("LOAD/STORE", dtype, shape, ["normal"], ([a]) => a!, exact, seed),
    opcodeCase("SCALAR", dtype, shape, [], () => constant(-2.75), exact, seed),
    ...UNARY.map(([name, program, domain, t]) =>
      opcodeCase(name, dtype, shape, [domain], program, near(t), seed),
    ),
    ...BINARY.map(([name, program, t]) =>
      opcodeCase(
        name,
        dtype,
        shape,
        [name === "POW" ? "positive" : "normal", "normal"],
        program,
        near(t),
        seed,
      ),
    ),
    opcodeCase(
      "SELECT",
      dtype,
      shape,
      ["condition", "normal", "normal"],
      ([c, a, b]) => c!.select(a!, b!),
      exact,
      seed,
    ),
    opcodeCase(
      "MUL_ADD",
      dtype,
      shape,
      ["normal", "normal", "normal"],
      ([a, b, c]) => a!.mulAdd(b!, c!),
      fused,
      seed,
    ),
  ];
}

/** Row and column inputs, the index opcodes, several outputs in one program: all exact. */
function layoutCase(dtype: DType, [m, n]: readonly [number, number], seed: number): ComparedCase {
  return {
    name: `elementwise row/column layouts, ROW_INDEX, COLUMN_INDEX, 6 outputs ${dtype} [${m},${n}]`,
    run(backend) {
      const make = new Maker(backend, dtype, seed);
      const a = make.tensor(m * n, "normal");
      const v = make.tensor(n, "normal");
      const w = make.tensor(m, "normal");
      const outs = Array.from({ length: 6 }, () => make.tensor(m * n, "nan"));
      const exprs = [
        rowVector(v),
        columnVector(w),
        rowIndex(),
        columnIndex(),
        lazy(a).add(rowVector(v)),
        lazy(a).mul(columnVector(w)),
      ];
      evaluate({ shape: [m, n], assign: outs.map((o, k) => [o, exprs[k]!] as const) });
      return readAll(outs);
    },
    tolerance: exact,
  };
}

/** Outputs that are inputs: a ← a + b and b ← a − b read the old a and b; then a swap. */
function inPlaceCase(dtype: DType, [m, n]: readonly [number, number], seed: number): ComparedCase {
  return {
    name: `elementwise in place (outputs alias full inputs) ${dtype} [${m},${n}]`,
    run(backend) {
      const make = new Maker(backend, dtype, seed);
      const a = make.tensor(m * n, "normal");
      const b = make.tensor(m * n, "normal");
      evaluate({
        shape: [m, n],
        assign: [
          [a, lazy(a).add(lazy(b))],
          [b, lazy(a).sub(lazy(b))],
        ],
      });
      const swapped = readAll([a, b]);
      evaluate({
        shape: [m, n],
        assign: [
          [a, lazy(b)],
          [b, lazy(a)],
        ],
      });
      return [...swapped, ...readAll([a, b])];
    },
    tolerance: exact,
  };
}

/** SUM accumulators beside a STORE: Σa, Σa², Σ[a > 0], Σ select(a > 0, a, 0) over finite data. */
function sumsCase(dtype: DType, [m, n]: readonly [number, number], seed: number): ComparedCase {
  const terms = (a: Expr): Expr[] => [a, a.mul(a), a.gt(0), a.gt(0).select(a, 0)];
  const sumsOn = (backend: Backend, magnitude: boolean): Float64Array[] => {
    const make = new Maker(backend, dtype, seed);
    const a = make.tensor(m * n, "finite");
    const out = make.tensor(m * n, "nan");
    const exprs = terms(lazy(a)).map((t) => (magnitude ? t.abs() : t));
    const sums = evaluate({ shape: [m, n], assign: [[out, lazy(a).neg()]], sums: exprs });
    return [...readAll([out]), Float64Array.from(sums)];
  };
  return {
    name: `elementwise SUM (4 sums and a STORE) ${dtype} [${m},${n}]`,
    run: (backend) => sumsOn(backend, false),
    tolerance(expected, reference) {
      const magnitudes = sumsOn(reference, true)[1]!;
      const perTerm = 2 * ROUNDOFF[dtype] + (m * n + 1) * 2 ** -52;
      return [new Float64Array(expected[0]!.length), magnitudes.map((s) => perTerm * s)];
    },
  };
}

/** Sums meeting NaN and ±∞: Σ with +∞ is +∞, with −∞ −∞, with both NaN, with a NaN NaN. */
function specialSumsCase(dtype: DType): ComparedCase {
  const lines = [
    [1, Infinity, 2],
    [1, -Infinity],
    [1, Infinity, -Infinity],
    [1, Number.NaN, 2],
  ];
  return {
    name: `elementwise SUM propagates NaN and ±Infinity ${dtype}`,
    run(backend) {
      return lines.map((values) => {
        const t = new Tensor(backend.allocate(dtype, values.length), [values.length], backend);
        t.write(values);
        return Float64Array.from(evaluate({ shape: values.length, sums: [lazy(t), lazy(t).mul(2)] }));
      });
    },
    tolerance: exact,
  };
}

/**
 * NONFINITE beside a STORE, over finite data with one NaN, ±∞ or 1e30 put at the first, middle or
 * last element (or none): a and a·2¹⁰⁰ checked; 1e30·2¹⁰⁰ is finite as a double and ±∞ in float32.
 */
function nonFiniteCase(dtype: DType, [m, n]: readonly [number, number], seed: number): ComparedCase {
  const total = m * n;
  const positions = [...new Set([0, Math.floor(total / 2), total - 1])].filter((p) => p >= 0 && p < total);
  return {
    name: `elementwise NONFINITE (2 checks and a STORE) ${dtype} [${m},${n}]`,
    run(backend) {
      const make = new Maker(backend, dtype, seed);
      const clean = make.tensor(total, "finite").read();
      const out = make.tensor(total, "nan");
      const results: Float64Array[] = [];
      for (const planted of [Number.NaN, Infinity, -Infinity, 1e30]) {
        for (const at of [-1, ...positions]) {
          const a = make.tensor(total, "zeros");
          a.write(clean);
          if (at >= 0) a.write([planted], at);
          const flags = evaluate({
            shape: [m, n],
            assign: [[out, lazy(a).neg()]],
            nonFinite: [lazy(a), lazy(a).mul(2 ** 100)],
          });
          results.push(Float64Array.from(flags), ...readAll([out]));
        }
      }
      return results;
    },
    tolerance: exact,
  };
}

/** A chain long enough to need many registers: 8 inputs combined, 48 dependent ops. */
function registerPressureCase(dtype: DType, [m, n]: readonly [number, number], seed: number): ComparedCase {
  return {
    name: `elementwise 8 inputs, 48-op chain ${dtype} [${m},${n}]`,
    run(backend) {
      const make = new Maker(backend, dtype, seed);
      const inputs = Array.from({ length: 8 }, () => lazy(make.tensor(m * n, "finite")));
      const products = inputs.map((x, k) => x.mul(inputs[(k + 3) % 8]!).add(k));
      let tree = products;
      while (tree.length > 1)
        tree = tree.flatMap((x, k) => (k % 2 === 0 ? [x.sub(tree[k + 1]!.mul(0.5))] : []));
      let chain = tree[0]!;
      for (let k = 0; k < 48; k++)
        chain = k % 3 === 0 ? chain.mul(0.97).add(inputs[k % 8]!) : chain.max(-50).min(50);
      const out = make.tensor(m * n, "nan");
      evaluate({ shape: [m, n], assign: [[out, chain]] });
      return readAll([out]);
    },
    tolerance: (expected) => (dtype === "float64" ? EXACT : scaled(expected, 2 ** -16)),
  };
}

/**
 * A training step's shape: Adam's moments and parameter updated in place in one pass (the bias
 * corrections as scalars, m and v used after their assignment), the pattern optimizers compile to.
 */
function optimizerStepCase(dtype: DType, [m, n]: readonly [number, number], seed: number): ComparedCase {
  return {
    name: `elementwise Adam-shaped step, 3 in-place outputs ${dtype} [${m},${n}]`,
    run(backend) {
      const make = new Maker(backend, dtype, seed);
      const w = make.tensor(m * n, "finite");
      const g = make.tensor(m * n, "finite");
      const m1 = make.tensor(m * n, "finite");
      const v = make.tensor(m * n, "positive");
      const mNew = lazy(m1)
        .mul(0.9)
        .add(lazy(g).mul(1 - 0.9));
      const vNew = lazy(v)
        .mul(0.999)
        .add(
          lazy(g)
            .mul(lazy(g))
            .mul(1 - 0.999),
        );
      const wNew = lazy(w).sub(
        mNew
          .div(
            vNew
              .sqrt()
              .div(Math.sqrt(1 - 0.999 ** 3))
              .add(1e-8),
          )
          .div(1 - 0.9 ** 3)
          .mul(1e-3),
      );
      evaluate({
        shape: [m, n],
        assign: [
          [m1, mNew],
          [
            v,
            vNew
              .abs()
              .lt(2 ** -126)
              .select(0, vNew),
          ],
          [w, wNew],
        ],
      });
      return readAll([m1, v, w]);
    },
    tolerance: (expected) => (dtype === "float64" ? EXACT : scaled(expected, 2 ** -18)),
  };
}

/**
 * Softmax cross-entropy's shape: logsumexp over rows (reduce), then one pass with the row's lse and
 * label as column vectors and COLUMN_INDEX: gradient e^{x − lse} − [j = t] stored, loss lse − x_t summed.
 */
function softmaxCrossEntropyCase(
  dtype: DType,
  [m, n]: readonly [number, number],
  seed: number,
): ComparedCase {
  return {
    name: `reduce logsumexp + elementwise softmax cross-entropy ${dtype} [${m},${n}]`,
    run(backend) {
      const make = new Maker(backend, dtype, seed);
      const x = make.tensor(m * n, "finite");
      const lse = make.tensor(m, "nan");
      const labels = make.tensor(m, "zeros");
      labels.write(Array.from({ length: m }, (_, i) => (i * 7) % Math.max(n, 1)));
      backend.reduce("logsumexp", 1, m, n, x.storage, 0, lse.storage);
      const grad = make.tensor(m * n, "nan");
      const isLabel = columnIndex().eq(columnVector(labels));
      const sums = evaluate({
        shape: [m, n],
        assign: [[grad, lazy(x).sub(columnVector(lse)).exp().sub(isLabel)]],
        sums: [isLabel.select(columnVector(lse).sub(lazy(x)), 0)],
      });
      return [...readAll([lse, grad]), Float64Array.from(sums)];
    },
    tolerance: (expected) => scaled(expected, dtype === "float64" ? 2 ** -44 : 2 ** -17),
  };
}

const TRANSPOSES: readonly [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const GEMM_SIZES: readonly [number, number, number][] = [
  [0, 3, 4],
  [3, 4, 0],
  [1, 1, 1],
  [3, 5, 7],
  [7, 33, 5],
  [33, 17, 129],
  [65, 67, 31],
];

/** gemm C ← α·op(A)·op(B) + β·C; β = 0 over a NaN-filled C (it must not be read). */
function gemmCase(
  dtype: DType,
  [ta, tb]: readonly [boolean, boolean],
  [m, n, k]: readonly [number, number, number],
  alpha: number,
  beta: number,
  seed: number,
): ComparedCase {
  const gemmOn = (backend: Backend, on: DType, magnitude: boolean): Float64Array[] => {
    const make = new Maker(backend, on, seed);
    const a = make.tensor(m * k, "finite");
    const b = make.tensor(k * n, "finite");
    const c = make.tensor(m * n, beta === 0 ? "nan" : "finite");
    if (magnitude) for (const t of [a, b, c]) evaluate({ shape: t.size, assign: [[t, lazy(t).abs()]] });
    const [al, be] = magnitude ? [Math.abs(alpha), Math.abs(beta)] : [alpha, beta];
    backend.gemm(ta, tb, m, n, k, al, a.storage, b.storage, be, c.storage);
    return readAll([c]);
  };
  return {
    name: `gemm ${ta ? "T" : "N"}${tb ? "T" : "N"} m=${m} n=${n} k=${k} α=${alpha} β=${beta} ${dtype}`,
    run: (backend) => gemmOn(backend, dtype, false),
    tolerance(_expected, reference) {
      const magnitude = gemmOn(reference, dtype, true)[0]!;
      return [magnitude.map((x) => (k + 2) * 2 * ROUNDOFF[dtype] * x)];
    },
  };
}

const REDUCE_KINDS = ["sum", "max", "logsumexp"] as const;

/** reduce(kind, axis) over finite data and over data with NaN and ±∞; "sum" also with β = 1. */
function reduceCases(dtype: DType, [m, n]: readonly [number, number], seed: number): ComparedCase[] {
  const cases: ComparedCase[] = [];
  for (const kind of REDUCE_KINDS) {
    for (const axis of [0, 1] as const) {
      for (const domain of ["finite", "normal"] as const) {
        for (const beta of kind === "sum" ? [0, 1] : [0]) {
          const lines = axis === 0 ? n : m;
          const count = axis === 0 ? m : n;
          const reduceOn = (backend: Backend, magnitude: boolean): Float64Array[] => {
            const make = new Maker(backend, dtype, seed);
            const x = make.tensor(m * n, domain);
            const out = make.tensor(lines, beta === 0 ? "nan" : "finite");
            if (magnitude)
              for (const t of [x, out]) evaluate({ shape: t.size, assign: [[t, lazy(t).abs()]] });
            backend.reduce(kind, axis, m, n, x.storage, beta, out.storage);
            return readAll([out]);
          };
          cases.push({
            name: `reduce ${kind} axis ${axis} β=${beta} ${domain === "normal" ? "with NaN/±Infinity " : ""}${dtype} [${m},${n}]`,
            run: (backend) => reduceOn(backend, false),
            tolerance(expected, reference) {
              if (kind === "max") return EXACT;
              if (kind === "logsumexp") return scaled(expected, dtype === "float64" ? 2 ** -46 : 2 ** -18);
              const magnitude = reduceOn(reference, true)[0]!;
              return [magnitude.map((s) => (count + 2) * 2 * ROUNDOFF[dtype] * s)];
            },
          });
        }
      }
    }
  }
  return cases;
}

function expectValues(what: string, actual: ArrayLike<number>, expected: readonly number[]): void {
  const same = actual.length === expected.length && expected.every((e, k) => Object.is(actual[k], e));
  if (!same)
    throw new Error(`${what}: got [${Array.from(actual).join(", ")}], expected [${expected.join(", ")}]`);
}

/** allocate, read and write at offsets, with dtype conversion, against fixed expectations. */
function memoryCases(dtype: DType): DirectCase[] {
  const round = dtype === "float32" ? Math.fround : (x: number) => x;
  return [
    {
      name: `allocate gives zero-filled storage of the dtype and length ${dtype}`,
      check(backend) {
        const s = backend.allocate(dtype, 7);
        if (s.dtype !== dtype || s.length !== 7)
          throw new Error(`got ${s.dtype}×${s.length}, expected ${dtype}×7`);
        const out = new Float64Array(7).fill(Number.NaN);
        backend.read(s, 0, out);
        expectValues("read of fresh storage", out, [0, 0, 0, 0, 0, 0, 0]);
        const empty = backend.allocate(dtype, 0);
        backend.read(empty, 0, new Float64Array(0));
        backend.write(empty, 0, []);
        if (empty.length !== 0) throw new Error(`allocate(${dtype}, 0) has length ${empty.length}`);
      },
    },
    {
      name: `read and write at offsets, rounding to the dtype ${dtype}`,
      check(backend) {
        const s = backend.allocate(dtype, 10);
        backend.write(s, 3, [0.1, -2, Number.NaN, Infinity]);
        backend.write(s, 9, new Float64Array([1e-50]));
        const all = new Float64Array(10);
        backend.read(s, 0, all);
        expectValues("after two writes", all, [
          0,
          0,
          0,
          round(0.1),
          -2,
          Number.NaN,
          Infinity,
          0,
          0,
          round(1e-50),
        ]);
        const middle = new Float32Array(3);
        backend.read(s, 2, middle);
        expectValues("read of 3 at offset 2 into a Float32Array", middle, [0, Math.fround(0.1), -2]);
        const other = backend.allocate(dtype, 10);
        backend.read(other, 0, all);
        expectValues("a second storage after writes to the first", all, new Array(10).fill(0));
      },
    },
  ];
}

/**
 * gatherRows of an m×n source (NaN and ±∞ among the values) into rows drawn with repeats, the last
 * row included, in shuffled order; the copy must be exact. And an index outside the source throws.
 */
function gatherCases(dtype: DType, [m, n]: readonly [number, number], seed: number): BackendCase[] {
  const picks = new Rng(seed);
  const rows = Int32Array.from({ length: m === 0 ? 0 : 2 * m + 1 }, (_, r) =>
    r === 0 ? m - 1 : picks.int(m),
  );
  return [
    {
      name: `gatherRows ${rows.length} rows ${dtype} [${m},${n}]`,
      run(backend) {
        const make = new Maker(backend, dtype, seed);
        const source = make.tensor(m * n, "normal");
        const out = make.tensor(rows.length * n + 3, "nan");
        backend.gatherRows(source.storage, n, rows, out.storage);
        return readAll([out]);
      },
      tolerance: exact,
    },
    {
      name: `gatherRows refuses a row outside the source ${dtype} [${m},${n}]`,
      check(backend) {
        const source = backend.allocate(dtype, m * n);
        const out = backend.allocate(dtype, n);
        for (const bad of [-1, m]) {
          let threw = false;
          try {
            backend.gatherRows(source, n, Int32Array.of(bad), out);
          } catch {
            threw = true;
          }
          if (!threw && n > 0) throw new Error(`gatherRows with row ${bad} of ${m} did not throw`);
        }
      },
    },
  ];
}

/** Every case of the conformance kit, in a fixed order. */
export function backendCases(): BackendCase[] {
  const cases: BackendCase[] = [];
  let seed = 1;
  for (const dtype of DTYPES) {
    cases.push(...memoryCases(dtype));
    for (const shape of CONFORMANCE_SHAPES) {
      cases.push(
        ...opcodeCases(dtype, shape, seed++),
        layoutCase(dtype, shape, seed++),
        inPlaceCase(dtype, shape, seed++),
        sumsCase(dtype, shape, seed++),
        nonFiniteCase(dtype, shape, 200_000 + seed),
        registerPressureCase(dtype, shape, seed++),
        optimizerStepCase(dtype, shape, seed++),
        softmaxCrossEntropyCase(dtype, shape, seed++),
        ...reduceCases(dtype, shape, seed++),
        ...gatherCases(dtype, shape, 100_000 + seed),
      );
    }
    cases.push(specialSumsCase(dtype));
    for (const transposes of TRANSPOSES) {
      for (const size of GEMM_SIZES) {
        cases.push(
          gemmCase(dtype, transposes, size, 1, 0, seed++),
          gemmCase(dtype, transposes, size, 0.5, -1.5, seed++),
        );
      }
    }
  }
  return cases;
}
