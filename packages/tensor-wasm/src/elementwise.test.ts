import {
  columnIndex,
  columnVector,
  type ElementwiseProgram,
  evaluate,
  fromArray,
  jsBackend,
  lazy,
  Op,
  rowIndex,
  rowVector,
  type Storage,
  type Tensor,
} from "@backprop/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import type { WasmBackend } from "./backend.js";
import { normal, wasmBackends } from "./test-kit.js";

let backends: WasmBackend[];
beforeAll(async () => {
  backends = await wasmBackends();
});

/** A hand-written program: instructions as [op, dst, a, b, c]. */
function program(
  instructions: number[][],
  shape: Omit<ElementwiseProgram, "code" | "registers"> & { registers?: number },
): ElementwiseProgram {
  const registers = shape.registers ?? 1 + Math.max(...instructions.map((ins) => ins[1]!));
  return { ...shape, registers, code: Int32Array.from(instructions.flat()) };
}

const f32 = Math.fround;

describe("elementwise programs on float32", () => {
  it("round a folded multiply-add exactly as the two ops (a·b + c, a·b − c, c − a·b each rounded to float32)", () => {
    const [m, n] = [5, 37];
    for (const backend of backends) {
      const [a, b, c] = [1, 2, 3].map((seed) => normal([m, n], seed, backend)) as [Tensor, Tensor, Tensor];
      for (const [op, reference] of [
        [Op.ADD, (p: number, z: number) => f32(p + z)],
        [Op.SUB, (p: number, z: number) => f32(p - z)],
      ] as const) {
        for (const productFirst of [true, false]) {
          // MUL r3 ← a·b; then ADD/SUB r4 ← r3 ∘ c (or c ∘ r3): never fused into one rounding.
          const out = normal([m, n], 9, backend);
          const p = program(
            [
              [Op.LOAD, 0, 0, 0, 0],
              [Op.LOAD, 1, 1, 0, 0],
              [Op.LOAD, 2, 2, 0, 0],
              [Op.MUL, 3, 0, 1, 0],
              productFirst ? [op, 4, 3, 2, 0] : [op, 4, 2, 3, 0],
              [Op.STORE, 4, 0, 0, 0],
            ],
            { inputs: ["full", "full", "full"], outputs: 1, sums: 0, scalars: 0 },
          );
          backend.elementwise(
            p,
            m,
            n,
            [a, b, c].map((t) => t.storage),
            new Float64Array(0),
            [out.storage],
            new Float64Array(0),
          );
          const [av, bv, cv, got] = [a, b, c, out].map((t) => t.read()) as [
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
          ];
          for (let e = 0; e < m * n; e++) {
            const product = f32(av[e]! * bv[e]!);
            const want = productFirst ? reference(product, cv[e]!) : reference(cv[e]!, product);
            if (!Object.is(got[e], want))
              expect.fail(`${backend.name} op ${op} ${productFirst} [${e}]: ${got[e]} ≠ ${want}`);
          }
        }
      }
    }
  });

  it("read a per-row operand correctly when the op writes its result into that operand's register", () => {
    // r1 holds the column value (computed once per row) and is also the result register, whose new
    // value is per element (rows of 5 and 37: more than one vector each, and a ragged end).
    for (const backend of backends) {
      for (const [m, n] of [
        [3, 5],
        [2, 37],
      ] as [number, number][]) {
        const [y, dy] = [31, 32].map((seed) => normal([m, n], seed, backend)) as [Tensor, Tensor];
        const t = normal([m], 33, backend);
        const cases: [number[][], (yv: number, dyv: number, tv: number) => number][] = [
          // MUL then SUB: dy − y·t
          [
            [
              [Op.MUL, 3, 0, 1, 0],
              [Op.SUB, 1, 2, 3, 0],
            ],
            (yv, dyv, tv) => f32(dyv - f32(yv * tv)),
          ],
          [[[Op.SELECT, 1, 0, 1, 2]], (yv, dyv, tv) => (yv !== 0 ? tv : dyv)],
          [[[Op.POW, 1, 0, 1, 0]], (yv, _dyv, tv) => f32(yv ** tv)],
        ];
        for (const [body, reference] of cases) {
          const out = normal([m, n], 34, backend);
          const p = program(
            [
              [Op.LOAD, 0, 0, 0, 0],
              [Op.LOAD, 2, 1, 0, 0],
              [Op.LOAD, 1, 2, 0, 0],
              ...body,
              [Op.STORE, 1, 0, 0, 0],
            ],
            { inputs: ["full", "full", "column"], outputs: 1, sums: 0, scalars: 0, registers: 4 },
          );
          const pow = body[0]![0] === Op.POW;
          const tPow = pow ? fromArray([2, 3, 2].slice(0, m), [m], { backend }) : t;
          backend.elementwise(
            p,
            m,
            n,
            [y.storage, dy.storage, tPow.storage],
            new Float64Array(0),
            [out.storage],
            new Float64Array(0),
          );
          const [yv, dyv, tv, got] = [y.read(), dy.read(), tPow.read(), out.read()];
          for (let e = 0; e < m * n; e++) {
            const want = reference(yv[e]!, dyv[e]!, tv[Math.floor(e / n)]!);
            if (!Object.is(got[e], want))
              expect.fail(`${backend.name} op ${body.at(-1)![0]} ${m}×${n} [${e}]: ${got[e]} ≠ ${want}`);
          }
        }
      }
    }
  });

  it("read an input overwritten in place by an earlier STORE as it was before the program ran", () => {
    // STORE x ← x + 1 comes before x·x is computed: the program still sees the old x (as the JS reference does).
    for (const [backend, [m, n]] of backends.flatMap(
      (b) =>
        [
          [b, [3, 300]],
          [b, [2, 512]],
        ] as [WasmBackend, [number, number]][],
    )) {
      const x = normal([m, n], 4, backend);
      const before = x.read();
      const squares = normal([m, n], 5, backend);
      const p = program(
        [
          [Op.LOAD, 0, 0, 0, 0],
          [Op.SCALAR, 1, 0, 0, 0],
          [Op.ADD, 2, 0, 1, 0],
          [Op.STORE, 2, 0, 0, 0],
          [Op.MUL, 3, 0, 0, 0],
          [Op.STORE, 3, 1, 0, 0],
        ],
        { inputs: ["full"], outputs: 2, sums: 0, scalars: 1 },
      );
      backend.elementwise(
        p,
        m,
        n,
        [x.storage],
        Float64Array.of(1),
        [x.storage, squares.storage],
        new Float64Array(0),
      );
      expect([...x.read()]).toEqual([...before].map((v) => f32(v + 1)));
      expect([...squares.read()]).toEqual([...before].map((v) => f32(v * v)));
    }
  });

  it("run an Adam-shaped update in place exactly as float32 arithmetic in the program's order", () => {
    // Whole vectors (4096) and a ragged tail (4096 + 13): scalars and the ops on them computed once per
    // chunk, every value in a local; each op rounded to float32.
    const [b1, b2, lr, eps] = [0.9, 0.999, 1e-3, 1e-8];
    for (const backend of backends) {
      for (const size of [4096, 4109]) {
        const [w, g, m, v] = [21, 22, 23, 24].map((seed) => normal([size], seed, backend)) as Tensor[];
        const [w0, g0, m0, v0] = [w!, g!, m!, v!].map((t) => t.read()) as Float32Array[];
        const m1 = lazy(m!)
          .mul(b1)
          .add(lazy(g!).mul(1 - b1));
        const v1 = lazy(v!)
          .abs()
          .mul(b2)
          .add(
            lazy(g!)
              .mul(lazy(g!))
              .mul(1 - b2),
          );
        const w1 = lazy(w!).sub(m1.div(v1.sqrt().add(eps)).mul(lr));
        evaluate({
          shape: size,
          assign: [
            [m!, m1],
            [v!, v1],
            [w!, w1],
          ],
        });
        const [wGot, mGot, vGot] = [w!, m!, v!].map((t) => t.read()) as Float32Array[];
        for (let e = 0; e < size; e++) {
          const mWant = f32(f32(m0![e]! * f32(b1)) + f32(g0![e]! * f32(1 - b1)));
          const vWant = f32(f32(Math.abs(v0![e]!) * f32(b2)) + f32(f32(g0![e]! * g0![e]!) * f32(1 - b2)));
          const wWant = f32(w0![e]! - f32(f32(mWant / f32(f32(Math.sqrt(vWant)) + f32(eps))) * f32(lr)));
          if (!Object.is(mGot![e], mWant) || !Object.is(vGot![e], vWant) || !Object.is(wGot![e], wWant)) {
            expect.fail(
              `${backend.name} ${size} [${e}]: m ${mGot![e]}/${mWant} v ${vGot![e]}/${vWant} w ${wGot![e]}/${wWant}`,
            );
          }
        }
      }
    }
  });

  it("compute rows that cross chunk boundaries exactly as float32 arithmetic, per-row values included", () => {
    // 3×5003: the first chunk (8192 elements) ends inside row 1; per-row values (the column input,
    // the row index and an op on both) are recomputed at every row start, in every chunk.
    const [m, n] = [3, 5003];
    for (const backend of backends) {
      const [x, row, column] = [
        normal([m, n], 41, backend),
        normal([n], 42, backend),
        normal([m], 43, backend),
      ] as [Tensor, Tensor, Tensor];
      const out = normal([m, n], 44, backend);
      const perRow = columnVector(column).mul(rowIndex().add(0.5));
      const value = lazy(x).mul(rowVector(row)).add(perRow).sub(columnIndex());
      const [total] = evaluate({ shape: [m, n], assign: [[out, value]], sums: [value] });
      const [xv, rv, cv, got] = [x.read(), row.read(), column.read(), out.read()];
      let sum = 0;
      for (let e = 0; e < m * n; e++) {
        const [i, j] = [Math.floor(e / n), e % n];
        const want = f32(f32(f32(xv[e]! * rv[j]!) + f32(cv[i]! * f32(i + 0.5))) - j);
        if (!Object.is(got[e], want)) expect.fail(`${backend.name} (${i}, ${j}): ${got[e]} ≠ ${want}`);
        sum += want;
      }
      expect(Math.abs(total! - sum)).toBeLessThanOrEqual(1e-9 * Math.abs(sum) + 1e-9);
    }
  });

  it("agree with the JS backend on an expression with row and column inputs, written in place", () => {
    const [m, n] = [9, 70];
    const [x, row, column] = [
      normal([m, n], 11, jsBackend),
      normal([n], 12, jsBackend),
      normal([m], 13, jsBackend),
    ];
    for (const backend of backends) {
      const [want, got] = [jsBackend, backend].map((on) => {
        const [t, r, c] = [x, row, column].map((source) =>
          fromArray(source.read(), source.shape, { backend: on }),
        ) as [Tensor, Tensor, Tensor];
        const value = lazy(t).mul(rowVector(r)).sub(columnVector(c)).tanh();
        const sums = evaluate({ shape: [m, n], assign: [[t, value]], sums: [value, lazy(t)] });
        return [...t.read(), ...sums];
      }) as [number[], number[]];
      got.forEach((value, i) => {
        if (!(Math.abs(value - want[i]!) <= 1e-5 * Math.max(1, Math.abs(want[i]!)))) {
          expect.fail(`${backend.name} [${i}]: ${value} ≠ ${want[i]}`);
        }
      });
    }
  });

  it("allocate nothing per call: the descriptor lives in scratch that grows only for a bigger program", () => {
    const [backend] = backends as [WasmBackend];
    const [w, g] = [normal([50_000], 1, backend), normal([50_000], 2, backend)];
    const step = () =>
      evaluate({ shape: 50_000, assign: [[w, lazy(w).sub(lazy(g).mul(0.1))]], sums: [lazy(g).abs()] });
    step();
    const { liveBytes } = backend.memoryStats();
    for (let i = 0; i < 20; i++) step();
    expect(backend.memoryStats().liveBytes).toBe(liveBytes);
  });
});

describe("elementwise operands", () => {
  const copy = (inputs: ElementwiseProgram["inputs"] = ["full"]) =>
    program(
      [
        [Op.LOAD, 0, 0, 0, 0],
        [Op.STORE, 0, 0, 0, 0],
      ],
      { inputs, outputs: 1, sums: 0, scalars: 0 },
    );
  const run = (
    backend: WasmBackend,
    p: ElementwiseProgram,
    inputs: Storage[],
    outputs: Storage[],
    m = 2,
    n = 3,
  ) => backend.elementwise(p, m, n, inputs, new Float64Array(1), outputs, new Float64Array(1));

  it("refuse malformed programs, naming the instruction", () => {
    const [backend] = backends as [WasmBackend];
    const s = () => backend.allocate("float32", 6);
    const bad = (instructions: number[][], registers = 2) =>
      program(instructions, { inputs: ["full"], outputs: 1, sums: 1, scalars: 1, registers });
    expect(() => run(backend, bad([[99, 0, 0, 0, 0]]), [s()], [s()])).toThrow(
      /instruction 0: unknown opcode 99/,
    );
    expect(() => run(backend, bad([[Op.NEG, 1, 0, 0, 0]]), [s()], [s()])).toThrow(
      /instruction 0 reads register 0, which is not written before it/,
    );
    expect(() => run(backend, bad([[Op.LOAD, 5, 0, 0, 0]]), [s()], [s()])).toThrow(/register 5 outside 0..1/);
    expect(() => run(backend, bad([[Op.LOAD, 0, 3, 0, 0]]), [s()], [s()])).toThrow(/input 3 outside 0..0/);
    expect(() => run(backend, copy(), [s(), s()], [s()])).toThrow(/the program reads 1 inputs, got 2/);
  });

  it("run a program as it was at its first call: changing it afterwards changes nothing", () => {
    for (const backend of backends) {
      const p = copy(["row"]);
      const changed = p as unknown as { code: Int32Array; inputs: string[] };
      const row = backend.allocate("float32", 3);
      backend.write(row, 0, [1, 2, 3]);
      const out = backend.allocate("float32", 6);
      run(backend, p, [row], [out]);
      // as a full input, the 3-element row would be read past its end; as code, input 7 does not exist
      changed.inputs[0] = "full";
      changed.code[2] = 7;
      backend.write(out, 0, [0, 0, 0, 0, 0, 0]);
      run(backend, p, [row], [out]);
      const values = new Float64Array(6);
      backend.read(out, 0, values);
      expect(Array.from(values)).toEqual([1, 2, 3, 1, 2, 3]);
      expect(() => run(backend, p, [row, row], [out])).toThrow(/the program reads 1 inputs, got 2/);
    }
  });

  it("refuse storages that are too short for their layout, or from elsewhere", () => {
    const [backend] = backends as [WasmBackend];
    const out = backend.allocate("float32", 6);
    expect(() => run(backend, copy(["row"]), [backend.allocate("float32", 2)], [out])).toThrow(
      /input 0 \(row\) holds 2 elements, the m×n = 2×3 space needs 3/,
    );
    expect(() =>
      run(backend, copy(), [backend.allocate("float32", 6)], [backend.allocate("float32", 5)]),
    ).toThrow(/output 0 holds 5 elements/);
    expect(() => run(backend, copy(), [jsBackend.allocate("float32", 6)], [out])).toThrow(
      /elementwise: storage is not from this wasm backend/,
    );
  });
});
