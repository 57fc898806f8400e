import { describe, expect, it } from "vitest";
import type { Backend, Storage } from "../backend.js";
import { createJsBackend, jsBackend } from "../js-backend.js";
import { BackendConformanceError, type CheckBackendOptions, checkBackend } from "./index.js";
import { runPerElement } from "./scalar-reference.js";

/** The JS backend with some primitives replaced: the bugs the kit must catch. */
function broken(name: string, overrides: (base: Backend) => Partial<Backend>): Backend {
  const base = createJsBackend();
  return { ...base, name, ...overrides(base) };
}

function readAll(b: Backend, s: Storage): Float64Array {
  const values = new Float64Array(s.length);
  b.read(s, 0, values);
  return values;
}

function failuresOf(backend: Backend, options: CheckBackendOptions = {}): string {
  try {
    checkBackend(backend, options);
  } catch (error) {
    expect(error).toBeInstanceOf(BackendConformanceError);
    return (error as BackendConformanceError).report.checks
      .filter((c) => !c.passed)
      .map((c) => `${c.name}: ${c.detail}`)
      .join("\n");
  }
  return "";
}

describe("checkBackend", () => {
  it("passes the JS backend within tolerance and bitwise, checking every primitive in both dtypes", () => {
    const report = checkBackend(jsBackend);
    expect(report.checks.every((c) => c.passed)).toBe(true);
    const names = report.checks.map((c) => c.name).join("\n");
    for (const what of [
      "gemm TN",
      "reduce logsumexp axis 0",
      "elementwise ERFC float32 [129,257]",
      "read and write",
    ]) {
      expect(names).toContain(what);
    }
    expect(checkBackend(jsBackend, { exact: true }).checks.length).toBe(report.checks.length);
  });

  it("passes a backend that computes float32 in float32 (registers, gemm and sums rounded each step), which exact mode rejects", () => {
    const single = broken("float32-arithmetic", (b) => ({
      elementwise(program, m, n, inputs, scalars, outputs, sums) {
        if ((outputs[0] ?? inputs[0])?.dtype !== "float32")
          return b.elementwise(program, m, n, inputs, scalars, outputs, sums);
        const results = outputs.map((o) => new Float64Array(o.length));
        const values = inputs.map((s) => readAll(b, s));
        runPerElement(program, m, n, values, scalars, results, sums, Math.fround);
        results.forEach((r, k) => {
          b.write(outputs[k]!, 0, r);
        });
      },
      gemm(ta, tb, m, n, k, alpha, a, x, beta, c) {
        if (c.dtype !== "float32") return b.gemm(ta, tb, m, n, k, alpha, a, x, beta, c);
        const [av, bv, cv] = [readAll(b, a), readAll(b, x), readAll(b, c)];
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let acc = 0;
            for (let p = 0; p < k; p++)
              acc = Math.fround(
                acc + Math.fround(av[ta ? p * m + i : i * k + p]! * bv[tb ? j * k + p : p * n + j]!),
              );
            const scaled = Math.fround(alpha * acc);
            cv[i * n + j] = beta === 0 ? scaled : Math.fround(scaled + Math.fround(beta * cv[i * n + j]!));
          }
        }
        b.write(c, 0, cv);
      },
    }));
    // float64 work is the JS backend's own: check the float32 cases, the ones this backend changes
    expect(checkBackend(single, { filter: "float32" }).checks.every((c) => c.passed)).toBe(true);
    expect(failuresOf(single, { exact: true, filter: "float32 [7,33]" })).toContain(
      "elementwise 8 inputs, 48-op chain",
    );
    expect(failuresOf(single, { exact: true, filter: "gemm NN m=33" })).toContain("α=1 β=0 float32");
  });

  it("catches a NONFINITE that checks a float32 program's doubles, not what they round to", () => {
    const doubles = broken("nonfinite-in-double", (b) => ({
      elementwise(program, m, n, inputs, scalars, outputs, sums) {
        const results = outputs.map((o) => new Float64Array(o.length));
        runPerElement(
          program,
          m,
          n,
          inputs.map((s) => readAll(b, s)),
          scalars,
          results,
          sums,
          (x) => x,
        );
        results.forEach((r, k) => {
          b.write(outputs[k]!, 0, r);
        });
      },
    }));
    const failures = failuresOf(doubles, { filter: "NONFINITE" });
    expect(failures).toContain("elementwise NONFINITE (2 checks and a STORE) float32 [1,1]");
    expect(failures).not.toContain("float64");
  });

  it("catches a read that ignores the offset", () => {
    const failures = failuresOf(
      broken("no-offset", (b) => ({ read: (s, _offset, out) => b.read(s, 0, out) })),
    );
    expect(failures).toContain("read and write at offsets");
  });

  it("catches a gemm that ignores β", () => {
    const failures = failuresOf(
      broken("no-beta", (b) => ({
        gemm: (ta, tb, m, n, k, al, a, x, _beta, c) => b.gemm(ta, tb, m, n, k, al, a, x, 0, c),
      })),
    );
    expect(failures).toMatch(/gemm NN m=3 n=5 k=7 α=0.5 β=-1.5 float64: result 0\[0\]/);
    expect(failures).not.toContain("β=0 ");
  });

  it("catches a naive logsumexp (log Σ eˣ overflows) and a max that drops NaN", () => {
    const failures = failuresOf(
      broken("naive", (b) => ({
        reduce(kind, axis, m, n, x, beta, out) {
          if (kind === "sum") return b.reduce(kind, axis, m, n, x, beta, out);
          const values = new Float64Array(m * n);
          b.read(x, 0, values);
          const lines = axis === 0 ? n : m;
          const result = new Float64Array(lines);
          for (let l = 0; l < lines; l++) {
            let acc = kind === "max" ? -Infinity : 0;
            for (let t = 0; t < (axis === 0 ? m : n); t++) {
              const v = values[axis === 0 ? t * n + l : l * n + t]!;
              // biome-ignore lint/complexity/useMathMinMax: the bug under test is a max that drops NaN
              acc = kind === "max" ? (v > acc ? v : acc) : acc + Math.exp(v);
            }
            result[l] = kind === "max" ? acc : Math.log(acc);
          }
          b.write(out, 0, result);
        },
      })),
      { filter: "reduce" },
    );
    expect(failures).toContain(
      "reduce logsumexp axis 0 β=0 with NaN/±Infinity float64 [7,33]: result 0[23] is Infinity, the JS reference 1e+30",
    );
    expect(failures).toContain("reduce max axis 0 β=0 with NaN/±Infinity float32");
    expect(failures).not.toContain("reduce sum");
  });

  it("catches a row gather that copies in source order or does not check its indices", () => {
    const sorted = failuresOf(
      broken("sorted-gather", (b) => ({
        gatherRows: (source, n, rows, out) => b.gatherRows(source, n, rows.slice().sort(), out),
      })),
      { filter: "gatherRows" },
    );
    expect(sorted).toContain("gatherRows 15 rows float32 [7,33]");
    expect(sorted).not.toContain("refuses");
    const unchecked = failuresOf(
      broken("unchecked-gather", () => ({ gatherRows: () => {} })),
      { filter: "gatherRows refuses" },
    );
    expect(unchecked).toContain("gatherRows refuses a row outside the source float64 [3,5]");
  });

  it("catches an elementwise pass that writes an output before reading an aliased input", () => {
    const failures = failuresOf(
      broken("one-output-at-a-time", (b) => ({
        elementwise(program, m, n, inputs, scalars, outputs, sums) {
          // Runs the program once per output, storing only that output: later outputs see earlier ones.
          const code = program.code;
          for (let k = 0; k < outputs.length; k++) {
            const kept = code.filter((_, w) => {
              const p = w - (w % 5);
              return !(code[p] === 50 && code[p + 2] !== k);
            });
            b.elementwise(
              { ...program, code: kept },
              m,
              n,
              inputs,
              scalars,
              outputs,
              k === 0 ? sums : new Float64Array(sums.length),
            );
          }
        },
      })),
    );
    expect(failures).toContain("elementwise in place (outputs alias full inputs) float64 [3,5]");
    expect(failures).not.toContain("elementwise ADD");
  });

  it("catches an opcode off by one ulp", () => {
    const failures = failuresOf(
      broken("sloppy-div", (b) => ({
        elementwise(program, m, n, inputs, scalars, outputs, sums) {
          b.elementwise(program, m, n, inputs, scalars, outputs, sums);
          const isDiv =
            program.code[0] !== undefined &&
            Array.from(program.code).some((op, w) => w % 5 === 0 && op === 23);
          if (!isDiv || outputs.length === 0 || m * n === 0 || outputs[0]!.dtype !== "float64") return;
          const first = new Float64Array(1);
          b.read(outputs[0]!, 0, first);
          if (Number.isFinite(first[0]!) && first[0] !== 0)
            b.write(outputs[0]!, 0, [first[0]! * (1 + 2 ** -52)]);
        },
      })),
    );
    expect(failures).toContain("elementwise DIV float64 [7,33]");
    expect(failures).not.toContain("DIV float32");
  });

  it("names at most 20 failures in the message and counts the rest", () => {
    const nothing = broken("writes-nothing", () => ({ elementwise: () => undefined }));
    expect(() => checkBackend(nothing)).toThrow(
      /backend writes-nothing fails \d+ of \d+ conformance checks:\n {2}✗ /,
    );
    expect(() => checkBackend(nothing)).toThrow(/… and \d+ more/);
  });
});
