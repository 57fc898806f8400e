/**
 * gemm GFLOP/s of the plain TypeScript backend (float32 and float64, one thread) beside a naive
 * triple loop and @tensorflow/tfjs's cpu backend, interleaved in one run. Shapes: the forward
 * products of an MLP layer and their backward products (Aᵀ·B for ∂E/∂W, A·Bᵀ for δ).
 * Run: pnpm --filter @backprop/tensor bench
 */
import { type Candidate, interleave, machineLine, withForeignLoad } from "@backprop/bench-kit";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { type DType, type FloatArray, matmul, Rng, randomUniform, type Tensor, zeros } from "../src/index.js";

interface Case {
  label: string;
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

function casesFor(m: number, k: number, n: number): Case[] {
  return [
    { label: `NN ${m}·${k}·${n}`, m, k, n, transposeA: false, transposeB: false },
    { label: `TN ${k}·${m}·${n}`, m: k, k: m, n, transposeA: true, transposeB: false },
    { label: `NT ${m}·${n}·${k}`, m, k: n, n: k, transposeA: false, transposeB: true },
  ];
}

/** The textbook triple loop (ijk, indexed loads through strides): the baseline to beat. */
function naiveGemm(c: Case, a: FloatArray, b: FloatArray, out: FloatArray): void {
  const { m, n, k } = c;
  const rsA = c.transposeA ? 1 : k;
  const csA = c.transposeA ? m : 1;
  const rsB = c.transposeB ? 1 : n;
  const csB = c.transposeB ? k : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * rsA + p * csA]! * b[p * rsB + j * csB]!;
      out[i * n + j] = s;
    }
  }
}

function operands(c: Case, dtype: DType, rng: Rng): [Tensor, Tensor, Tensor] {
  const a = randomUniform(c.transposeA ? [c.k, c.m] : [c.m, c.k], rng, { dtype, low: -1, high: 1 });
  const b = randomUniform(c.transposeB ? [c.n, c.k] : [c.k, c.n], rng, { dtype, low: -1, high: 1 });
  return [a, b, zeros([c.m, c.n], { dtype })];
}

async function main(): Promise<void> {
  await tf.setBackend("cpu");
  const rng = new Rng(1);
  const cases = [...casesFor(128, 784, 256), ...casesFor(128, 256, 128)];
  const rows = new Map<string, string[]>();
  const loads: string[] = [];
  for (const c of cases) {
    const candidates: Candidate[] = [];
    for (const dtype of ["float32", "float64"] as DType[]) {
      const [a, b, out] = operands(c, dtype, rng);
      const opts = { transposeA: c.transposeA, transposeB: c.transposeB, out };
      candidates.push({ name: `backprop js ${dtype} (4×4 tile)`, run: () => void matmul(a, b, opts) });
      candidates.push({
        name: `naive triple loop ${dtype}`,
        run: () => naiveGemm(c, a.data, b.data, out.data),
      });
    }
    const [a32, b32] = operands(c, "float32", rng);
    const ta = tf.tensor(a32.data as Float32Array, [...a32.shape]);
    const tb = tf.tensor(b32.data as Float32Array, [...b32.shape]);
    candidates.push({
      name: "tfjs-core 4.22 cpu float32 tf.matMul",
      run: () => {
        const r = tf.matMul(ta, tb, c.transposeA, c.transposeB);
        r.dataSync();
        r.dispose();
      },
    });
    const { result, foreignCores } = withForeignLoad(() =>
      interleave(candidates, { rounds: 7, minSampleMs: 40 }),
    );
    loads.push(`${c.label}: ${foreignCores === null ? "n/a" : foreignCores.toFixed(2)}`);
    const flop = 2 * c.m * c.k * c.n;
    for (const t of result) {
      const cell = `${(flop / t.median / 1e6).toFixed(2)} / ${(flop / t.best / 1e6).toFixed(2)}`;
      rows.set(t.name, [...(rows.get(t.name) ?? []), cell]);
    }
    ta.dispose();
    tb.dispose();
    process.stderr.write(`done ${c.label}\n`);
  }
  console.log(`gemm GFLOP/s (median / best of 7 interleaved rounds), one thread — ${machineLine()}\n`);
  console.log(`| implementation | ${cases.map((c) => c.label).join(" | ")} |`);
  console.log(`|---|${cases.map(() => "---").join("|")}|`);
  for (const [name, cells] of rows) console.log(`| ${name} | ${cells.join(" | ")} |`);
  console.log(`\nforeign load (cores used by other processes) per column: ${loads.join(", ")}`);
}

await main();
