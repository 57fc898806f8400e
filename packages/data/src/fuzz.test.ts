import { fuzzParameters } from "@backprop/test-kit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv.js";
import { DataError } from "./errors.js";
import { decodeIdx, encodeIdx, type IdxArray, type IdxDataType, parseIdx } from "./idx.js";

/** A reproducible fuzz pass (seed and run count from FUZZ_SEED / FUZZ_RUNS; see @backprop/test-kit). */
const RUNS = fuzzParameters();

function onlyDataErrors(f: () => unknown): void {
  try {
    f();
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
  }
}

const TYPES: IdxDataType[] = ["uint8", "int8", "int16", "int32", "float32", "float64"];

const idxArray: fc.Arbitrary<IdxArray> = fc
  .record({
    type: fc.constantFrom(...TYPES),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
  })
  .chain(({ type, shape }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const values = fc.array(fc.integer({ min: -100, max: 100 }), { minLength: count, maxLength: count });
    return values.map((v): IdxArray => {
      const data = {
        uint8: Uint8Array,
        int8: Int8Array,
        int16: Int16Array,
        int32: Int32Array,
        float32: Float32Array,
        float64: Float64Array,
      }[type].from(v);
      return { type, shape, data };
    });
  });

describe("IDX reader fuzz", () => {
  it("round-trips random valid arrays", () => {
    fc.assert(
      fc.property(idxArray, (array) => {
        const back = parseIdx(encodeIdx(array));
        expect(back.shape).toEqual(array.shape);
        expect(back.data).toEqual(array.data);
      }),
      RUNS,
    );
  });

  it("throws nothing but DataError on mutated, truncated or extended bytes", () => {
    const mutation = fc.record({
      flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
      cut: fc.nat({ max: 64 }),
      extra: fc.uint8Array({ maxLength: 8 }),
    });
    fc.assert(
      fc.property(idxArray, mutation, (array, { flips, cut, extra }) => {
        const bytes = encodeIdx(array);
        for (const { at, value } of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        const mutated = Uint8Array.from([...bytes.subarray(0, Math.max(0, bytes.length - cut)), ...extra]);
        onlyDataErrors(() => parseIdx(mutated, { file: "fuzz.idx" }));
      }),
      RUNS,
    );
  });

  it("throws nothing but DataError on random bytes, gzip-looking ones included", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 40 }), fc.boolean(), async (random, gzipMagic) => {
        const bytes = gzipMagic ? Uint8Array.from([0x1f, 0x8b, ...random]) : random;
        try {
          await decodeIdx(bytes);
        } catch (error) {
          if (!(error instanceof DataError)) throw error;
        }
      }),
      { ...RUNS, numRuns: Math.ceil(RUNS.numRuns / 3) }, // each run decompresses: a third as many
    );
  });
});

describe("CSV reader fuzz", () => {
  const alphabet = fc.constantFrom(...'0123456789.-+eE ,;"\n\r\tabcXY'.split(""));
  const text = fc.array(alphabet, { maxLength: 80 }).map((chars) => chars.join(""));

  it("throws nothing but DataError on random text and options", () => {
    fc.assert(
      fc.property(
        text,
        fc.constantFrom<string | number>(0, 1, 2, "a", "b"),
        fc.constantFrom(",", ";", "\t"),
        fc.constantFrom(undefined, "classification", "regression" as const),
        (input, target, delimiter, task) => {
          onlyDataErrors(() =>
            parseCsv(`a,b,c\n${input}`, { target, delimiter, ...(task === undefined ? {} : { task }) }),
          );
          onlyDataErrors(() => parseCsv(input, { target, delimiter }));
        },
      ),
      RUNS,
    );
  });

  it("reads only finite numbers: a value beyond the dtype's range is an error, not Infinity", () => {
    const cell = fc.oneof(
      fc.constantFrom(
        "1e38",
        "3.4e38",
        "3.5e38",
        "1e39",
        "-1e39",
        "1.7e308",
        "1.8e308",
        "1e999",
        "-1e999",
        "0",
      ),
      fc.stringMatching(/^-?\d{1,3}(\.\d{0,3})?(e[+-]?\d{1,3})?$/),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 4 }),
        fc.constantFrom("float32" as const, "float64" as const),
        (rows, dtype) => {
          const csv = `x,t\n${rows.map((row) => row.join(",")).join("\n")}`;
          let ds: ReturnType<typeof parseCsv> | undefined;
          try {
            ds = parseCsv(csv, { target: "t", task: "regression", dtype });
          } catch (error) {
            if (!(error instanceof DataError)) throw error;
            expect(error.message).toMatch(/is out of the range of float(32|64)/);
            return;
          }
          for (const t of [ds.features, ds.targets]) expect([...t.data].every(Number.isFinite)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("reads back random numeric tables exactly (float64)", () => {
    const cell = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 10 }), (rows) => {
        const csv = `x,"y",t\n${rows.map((r) => r.map(String).join(",")).join("\r\n")}`;
        const ds = parseCsv(csv, { target: "t", dtype: "float64", task: "regression" });
        expect([...ds.features.data]).toEqual(rows.flatMap((row) => row.slice(0, 2)).map((v) => v + 0));
        expect([...ds.targets.data]).toEqual(rows.map((r) => r[2] + 0));
      }),
      RUNS,
    );
  });
});
