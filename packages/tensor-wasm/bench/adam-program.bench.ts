// One Adam step on 235k float32 elements (the 784-256-128-10 MLP's parameter count) as an elementwise
// program: through `evaluate` (compiled each call, as an optimizer runs it) and precompiled
// (backend.elementwise alone), in the optimizers' old op order and in the one-division order, on 1 and 2
// threads, interleaved in one run: m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
// w ← w − lr·(m/bc1)/(√v/√bc2 + ε). (The hand-written adamF32 kernel these replaced was measured by
// this script before it was deleted; its figures are in BENCHMARKS.md.) `--size N` runs it on N
// elements instead: a small N (a bias: 10) measures the fixed cost of a call.
import { type Candidate, interleave, machineLine, withForeignLoad } from "@backprop/bench-kit";
import {
  type CompiledEvaluation,
  compile,
  type EvaluateSpec,
  evaluate,
  fromArray,
  lazy,
  Rng,
  randomNormal,
  type Tensor,
} from "@backprop/tensor";
import { createWasmBackend, type WasmBackend } from "../src/index.js";

const ROUNDS = 60;
const sizeFlag = process.argv.indexOf("--size");
const SIZE =
  sizeFlag === -1 ? 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10 : Number(process.argv[sizeFlag + 1]);
if (!Number.isSafeInteger(SIZE) || SIZE < 1)
  throw new Error(`--size must be a positive integer, got ${SIZE}`);
const [beta1, beta2, lr, eps, step] = [0.9, 0.999, 1e-3, 1e-8, 10];

/** Adam in the optimizers' op order until 2026-12-04: w − lr·(m/(√v/√bc2 + ε))/bc1, three divisions. */
function adamSpec(w: Tensor, g: Tensor, m: Tensor, v: Tensor): EvaluateSpec {
  const bc1 = 1 - beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const gl = lazy(g);
  const m1 = lazy(m)
    .mul(beta1)
    .add(gl.mul(1 - beta1));
  const v1 = lazy(v)
    .mul(beta2)
    .add(gl.mul(gl).mul(1 - beta2));
  const w1 = lazy(w).sub(m1.div(v1.sqrt().div(bc2Sqrt).add(eps)).div(bc1).mul(lr));
  return {
    shape: SIZE,
    assign: [
      [m, m1],
      [v, v1],
      [w, w1],
    ],
  };
}

/** The same update in the old kernel's op order: w − (lr/bc1)·m/(√v·(1/√bc2) + ε), one division. */
function oneDivisionSpec(w: Tensor, g: Tensor, m: Tensor, v: Tensor): EvaluateSpec {
  const stepSize = lr / (1 - beta1 ** step);
  const invSqrtBc2 = 1 / Math.sqrt(1 - beta2 ** step);
  const gl = lazy(g);
  const m1 = lazy(m)
    .mul(beta1)
    .add(gl.mul(1 - beta1));
  const v1 = lazy(v)
    .mul(beta2)
    .add(gl.mul(gl).mul(1 - beta2));
  const w1 = lazy(w).sub(m1.mul(stepSize).div(v1.sqrt().mul(invSqrtBc2).add(eps)));
  return {
    shape: SIZE,
    assign: [
      [m, m1],
      [v, v1],
      [w, w1],
    ],
  };
}

const rng = new Rng(7);
const init = {
  w: randomNormal([SIZE], rng).data,
  g: randomNormal([SIZE], rng).data,
  m: randomNormal([SIZE], rng, { std: 0.1 }).data,
  v: randomNormal([SIZE], rng, { mean: 1, std: 0.1 }).data.map(Math.abs),
};
const backends: WasmBackend[] = [];
const candidates: Candidate[] = [];
for (const threads of [1, 2]) {
  const backend = await createWasmBackend({ relaxed: false, threads });
  backends.push(backend);
  const t = (x: ArrayLike<number>) => fromArray(Float32Array.from(x), [SIZE], { backend });
  const [w, g, m, v] = [t(init.w), t(init.g), t(init.m), t(init.v)];
  const spec = adamSpec(w, g, m, v);
  const sums = new Float64Array(0);
  const precompiled = (compiled: CompiledEvaluation) => () =>
    backend.elementwise(
      compiled.program,
      compiled.m,
      compiled.n,
      compiled.inputs,
      compiled.scalars,
      compiled.outputs,
      sums,
    );
  candidates.push(
    { name: `program via evaluate ×${threads}`, run: () => evaluate(adamSpec(w, g, m, v)) },
    { name: `program precompiled ×${threads}`, run: precompiled(compile(spec)) },
    {
      name: `program, one division, precompiled ×${threads}`,
      run: precompiled(compile(oneDivisionSpec(w, g, m, v))),
    },
  );
}
const { result, foreignCores } = withForeignLoad(() =>
  interleave(candidates, { rounds: ROUNDS, minSampleMs: 5, warmup: 5 }),
);
console.log(
  `Adam step on ${SIZE} float32 elements, µs per call, median / best of ${ROUNDS} interleaved rounds — ${machineLine()}`,
);
console.log(`foreign load ${foreignCores === null ? "n/a" : foreignCores.toFixed(2)} cores\n`);
console.log("| implementation | µs median | µs best |\n|---|---|---|");
for (const timing of result) {
  console.log(
    `| ${timing.name} | ${(timing.median * 1000).toFixed(0)} | ${(timing.best * 1000).toFixed(0)} |`,
  );
}
await Promise.all(backends.map((b) => b.close()));
