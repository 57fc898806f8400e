// The one-core ceiling of 128-bit WebAssembly SIMD on this machine, beside our gemm: GFLOP/s of a
// loop that does nothing but independent f32x4 multiply-adds (CHAINS accumulators, each
// acc ← acc·m + a: a mul then an add in plain SIMD, one f32x4.relaxed_madd in relaxed SIMD; 8 FLOP
// per f32x4 step), then the wasm backend's one-thread gemm NN 128·784·256 (the first layer's forward)
// in both builds; interleaved in rounds. A gemm near the loop's rate has no 128-bit headroom left.
//   pnpm --filter @backprop/tensor-wasm bench:simd-peak
import { machineLine } from "@backprop/bench-kit";
import { fromArray, matmul, Rng, randomNormal } from "@backprop/tensor";
import { createWasmBackend } from "../src/index.js";
import { WasmBytes } from "../src/wasm-bytes.js";

const ROUNDS = 7;
const SECONDS = 0.5;
/**
 * Independent accumulators: enough to cover the latency of a multiply-add on both FMA pipes (a 4-cycle
 * FMA on 2 pipes needs 8 in flight; mul then add needs more), few enough that V8 keeps them, m and a
 * in x64's 16 xmm registers (14 ran at half the rate here: spilled).
 */
const CHAINS = 12;
const [M, K, N] = [128, 784, 256];

const SIMD = 0xfd;
const [LOCAL_GET, LOCAL_SET, LOCAL_TEE, I32_CONST, I32_SUB, BR_IF, LOOP, END] = [
  0x20, 0x21, 0x22, 0x41, 0x6b, 0x0d, 0x03, 0x0b,
];
const [F32X4_SPLAT, F32X4_EXTRACT, F32X4_ADD, F32X4_MUL, F32X4_RELAXED_MADD] = [
  0x13, 0x1f, 0xe4, 0xe6, 0x105,
];
const F32_CONST = 0x43;

/** A module exporting spin(iterations) → f32: `iterations` rounds of CHAINS f32x4 multiply-adds. */
function peakModule(relaxed: boolean): Uint8Array<ArrayBuffer> {
  const body = new WasmBytes();
  // locals: 0 = iterations (param); 1..CHAINS accumulators, CHAINS+1 = m, CHAINS+2 = a (v128)
  body
    .u32(1)
    .u32(CHAINS + 2)
    .byte(0x7b);
  const [m, a] = [CHAINS + 1, CHAINS + 2];
  for (const [local, value] of [
    [m, 0.9999],
    [a, 1e-4],
  ] as const)
    body.byte(F32_CONST).f32(value).byte(SIMD).u32(F32X4_SPLAT).byte(LOCAL_SET).u32(local);
  for (let k = 1; k <= CHAINS; k++)
    body.byte(F32_CONST).f32(k).byte(SIMD).u32(F32X4_SPLAT).byte(LOCAL_SET).u32(k);
  body.byte(LOOP, 0x40);
  for (let k = 1; k <= CHAINS; k++) {
    body.byte(LOCAL_GET).u32(k).byte(LOCAL_GET).u32(m);
    if (relaxed) body.byte(LOCAL_GET).u32(a).byte(SIMD).u32(F32X4_RELAXED_MADD);
    else body.byte(SIMD).u32(F32X4_MUL).byte(LOCAL_GET).u32(a).byte(SIMD).u32(F32X4_ADD);
    body.byte(LOCAL_SET).u32(k);
  }
  body.byte(LOCAL_GET).u32(0).byte(I32_CONST).i32(1).byte(I32_SUB).byte(LOCAL_TEE).u32(0).byte(BR_IF).u32(0);
  body.byte(END);
  body.byte(LOCAL_GET).u32(1);
  for (let k = 2; k <= CHAINS; k++) body.byte(LOCAL_GET).u32(k).byte(SIMD).u32(F32X4_ADD);
  body.byte(SIMD).u32(F32X4_EXTRACT).byte(0).byte(END);

  const out = new WasmBytes().byte(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  out.section(1, new WasmBytes().u32(1).byte(0x60).u32(1).byte(0x7f).u32(1).byte(0x7d));
  out.section(3, new WasmBytes().u32(1).u32(0));
  out.section(7, new WasmBytes().u32(1).name("spin").byte(0x00).u32(0));
  out.section(10, new WasmBytes().u32(1).sized(body));
  return out.bytes();
}

/** GFLOP/s of the multiply-add loop, run for SECONDS. */
function peak(spin: (iterations: number) => number): number {
  const batch = 1_000_000;
  spin(batch);
  const started = performance.now();
  let iterations = 0;
  while (performance.now() - started < SECONDS * 1000) {
    spin(batch);
    iterations += batch;
  }
  return (iterations * CHAINS * 8) / ((performance.now() - started) / 1000) / 1e9;
}

async function gemmRate(relaxed: boolean): Promise<() => number> {
  const backend = await createWasmBackend({ relaxed, threads: 1 });
  const rng = new Rng(1);
  const a = fromArray(randomNormal([M, K], rng).data, [M, K], { backend });
  const b = fromArray(randomNormal([K, N], rng).data, [K, N], { backend });
  const c = matmul(a, b);
  for (let i = 0; i < 50; i++) matmul(a, b, { out: c });
  return () => {
    const started = performance.now();
    let calls = 0;
    while (performance.now() - started < SECONDS * 1000) {
      matmul(a, b, { out: c });
      calls++;
    }
    return (2 * M * K * N * calls) / ((performance.now() - started) / 1000) / 1e9;
  };
}

const spinOf = async (relaxed: boolean) =>
  (await WebAssembly.instantiate(peakModule(relaxed))).instance.exports.spin as (n: number) => number;

const hasRelaxed = WebAssembly.validate(peakModule(true));
const candidates: [string, () => number][] = [
  [
    "peak, plain SIMD (mul + add)",
    (
      (spin) => () =>
        peak(spin)
    )(await spinOf(false)),
  ],
  ["gemm, plain SIMD", await gemmRate(false)],
];
if (hasRelaxed) {
  candidates.push([
    "peak, relaxed SIMD (relaxed_madd)",
    (
      (spin) => () =>
        peak(spin)
    )(await spinOf(true)),
  ]);
  candidates.push(["gemm, relaxed SIMD", await gemmRate(true)]);
}
const rates = candidates.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, run]] of candidates.entries()) rates[i]!.push(run());
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(
  `One core, 128-bit wasm SIMD, GFLOP/s (median and range of ${ROUNDS} interleaved rounds of ${SECONDS} s) — ${machineLine()}\n`,
);
console.log("| what | median | range |\n|---|---|---|");
candidates.forEach(([name], i) => {
  const r = rates[i]!;
  console.log(
    `| ${name} | ${median(r).toFixed(1)} | ${Math.min(...r).toFixed(1)}–${Math.max(...r).toFixed(1)} |`,
  );
});
const ratioOf = (gemm: number, top: number) => (median(rates[gemm]!) / median(rates[top]!)).toFixed(2);
console.log(`\ngemm ÷ peak: plain ${ratioOf(1, 0)}${hasRelaxed ? `, relaxed ${ratioOf(3, 2)}` : ""}.`);
if (!hasRelaxed)
  console.log(
    "\n(relaxed SIMD is off in this runtime: run with --experimental-wasm-relaxed-simd on Node 20)",
  );
