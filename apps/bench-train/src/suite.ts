/**
 * The speed issue's table: the four workloads it names, each one interleaved run of our CLI's default
 * path and its one-thread variant, PyTorch with OpenBLAS on 1 thread, 2 threads and its defaults, and
 * tfjs-wasm, with the machine's two-process gemm ceiling measured after every round of that run. One
 * row per workload: seconds per epoch, the ratios the issue's targets are about, and our epoch
 * against the epoch at the ceiling.
 */
import { type Ceiling, epochAtCeiling } from "./ceiling.js";
import { layersText } from "./common.js";
import { fmt, median, type Result, secondsPerEpoch, timed } from "./interleave.js";

export interface Workload {
  name: string;
  batchSize: number;
  hidden: number[];
  /** The issue's target for our default path ÷ PyTorch's fastest configuration, if it names one. */
  target: number | null;
}

export const WORKLOADS: readonly Workload[] = [
  { name: "base", batchSize: 128, hidden: [256, 128], target: 1.0 },
  { name: "batch 512", batchSize: 512, hidden: [256, 128], target: 1.2 },
  { name: "batch 32", batchSize: 32, hidden: [256, 128], target: 1.0 },
  { name: "wide", batchSize: 128, hidden: [1024, 1024], target: null },
];

/** The issue's target for one thread: ≤ 1.1× PyTorch on one thread. */
const ONE_THREAD_TARGET = 1.1;

export interface WorkloadRun {
  workload: Workload;
  layers: number[];
  results: Result[];
  ceilings: Ceiling[];
}

const TORCH = ["torch-openblas-1t", "torch-openblas-2t", "torch-openblas-default"] as const;

const ratio = (x: number | null, target: number | null) =>
  x === null ? "—" : `${x.toFixed(2)}×${target === null ? "" : x <= target ? " ✓" : " ✗"}`;

/** The markdown summary: one row per workload run. */
export function suiteTable(runs: readonly WorkloadRun[]): string {
  const lines = [
    "| workload | ours (CLI default: 2 threads, relaxed SIMD) | PyTorch 1 thread | 2 threads | defaults | ours ÷ PyTorch's fastest (target) | ours 1 thread | ÷ PyTorch 1 thread (≤ 1.1) | tfjs-wasm | tfjs-wasm ÷ ours | two-process gemm ceiling (GFLOP/s) | epoch at the ceiling ÷ ours | test accuracy ours / PyTorch 1t | foreign load (cores) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const run of runs) {
    const seconds = (id: string) => {
      const r = run.results.find((x) => x.id === id && x.error === null);
      return r === undefined ? null : secondsPerEpoch(r);
    };
    const accuracy = (id: string) => run.results.find((x) => x.id === id)?.accuracy ?? null;
    const ours = seconds("backprop-wasm-relaxed");
    const oneThread = seconds("backprop-wasm-relaxed-1t");
    const torch = TORCH.map(seconds);
    const known = torch.filter((t): t is number => t !== null);
    const fastest = known.length > 0 ? Math.min(...known) : null;
    const tfjs = seconds("tfjs-wasm");
    const ceiling = run.ceilings.length > 0 ? median(run.ceilings.map((c) => c.total)) : null;
    const atCeiling = ceiling === null ? null : epochAtCeiling(run.layers, ceiling);
    const foreign = run.results.flatMap((r) =>
      timed(r)
        .map((e) => e.foreignCores)
        .filter((c): c is number => c !== null),
    );
    const of = (a: number | null, b: number | null) => (a === null || b === null ? null : a / b);
    const percent = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(2)} %`);
    lines.push(
      `| ${run.workload.name}: ${layersText(run.layers)}, batch ${run.workload.batchSize} | ${fmt(ours)} | ${torch.map((t) => fmt(t)).join(" | ")} | ${ratio(of(ours, fastest), run.workload.target)}${run.workload.target === null ? "" : ` (≤ ${run.workload.target.toFixed(1)})`} | ${fmt(oneThread)} | ${ratio(of(oneThread, torch[0] ?? null), ONE_THREAD_TARGET)} | ${fmt(tfjs)} | ${ratio(of(tfjs, ours), null)} | ${fmt(ceiling, 1)} (${fmt(atCeiling)} s/epoch) | ${fmt(of(atCeiling, ours))} | ${percent(accuracy("backprop-wasm-relaxed"))} / ${percent(accuracy("torch-openblas-1t"))} | ${foreign.length > 0 ? `median ${fmt(median(foreign))}, max ${fmt(Math.max(...foreign))}` : "—"} |`,
    );
  }
  return lines.join("\n");
}
