/**
 * The end-to-end training benchmark's runner. Each implementation runs in its own child process
 * (so peak RSS is its own), loads the data and builds its model, then waits; the runner then
 * interleaves them by epoch — round e sends "train epoch e" to every child in turn (the order rotates
 * each round), so all see the same minute of this shared VM — and finally asks each for its test
 * accuracy and peak RSS. Prints a markdown report on stdout; progress goes to stderr.
 *
 *   node --conditions=@backprop/source --import tsx src/run.ts [--quick | --full | --suite] [options]
 *
 * Options: --epochs N, --batch-size N, --hidden a,b, --only id,id, --skip id,id, --tfjs-cpu-steps N, --tfjs-cpu-full,
 * --tfjs-wasm-steps N, --openblas-dir DIR, --data-dir DIR, --seed N, --json FILE. See README.md.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { machineLine } from "@backprop/bench-kit";
import { type Ceiling, measureCeiling } from "./ceiling.js";
import { FASHION_MNIST_DIR, flopPerSample, layersText, PROTOCOL } from "./common.js";
import {
  epochSeconds,
  fmt,
  type Impl,
  log,
  median,
  type Result,
  runInterleaved,
  secondsPerEpoch,
  timed,
} from "./interleave.js";
import { suiteTable, WORKLOADS, type WorkloadRun } from "./suite.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..");

/** quick and full: one workload (`bench:quick`, `bench:full`); suite: the speed issue's four workloads (`bench`). */
type Mode = "quick" | "full" | "suite";

interface Options {
  mode: Mode;
  epochs: number;
  only: Set<string> | null;
  skip: Set<string>;
  tfjsCpuSteps: number | null;
  tfjsWasmSteps: number | null;
  openblasDir: string | null;
  dataDir: string;
  seed: number;
  json: string;
  batchSize: number;
  layers: number[];
}

function parseArgs(argv: string[]): Options {
  const mode: Mode = argv.includes("--suite") ? "suite" : argv.includes("--full") ? "full" : "quick";
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (flag: string) => (value(flag) ?? "").split(",").filter(Boolean);
  const num = (flag: string, fallback: number) => {
    const v = value(flag);
    return v === undefined ? fallback : Number(v);
  };
  const onlyList = list("--only");
  const defaultOpenblas = join(packageDir, ".cache/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread");
  const openblasDir = value("--openblas-dir") ?? process.env.BENCH_TRAIN_OPENBLAS_DIR ?? defaultOpenblas;
  return {
    mode,
    epochs: num("--epochs", { quick: 2, suite: 3, full: 5 }[mode]),
    only: onlyList.length > 0 ? new Set(onlyList) : null,
    skip: new Set(list("--skip")),
    tfjsCpuSteps: argv.includes("--tfjs-cpu-full")
      ? null
      : num("--tfjs-cpu-steps", mode === "full" ? 50 : 10),
    tfjsWasmSteps: argv.includes("--tfjs-wasm-full")
      ? null
      : value("--tfjs-wasm-steps") !== undefined
        ? num("--tfjs-wasm-steps", 0)
        : mode === "full"
          ? null
          : 60,
    openblasDir: existsSync(join(openblasDir, "libblas.so.3")) ? openblasDir : null,
    dataDir: value("--data-dir") ?? FASHION_MNIST_DIR,
    seed: num("--seed", 1),
    json: value("--json") ?? join(packageDir, "results", `last-${mode}.json`),
    batchSize: num("--batch-size", PROTOCOL.batchSize),
    layers: [
      PROTOCOL.layers[0],
      ...(value("--hidden") ?? PROTOCOL.layers.slice(1, -1).join(",")).split(",").map(Number),
      PROTOCOL.layers.at(-1)!,
    ],
  };
}

/** An implementation the runner knows, with the modes whose default set it is in (any can be picked with --only). */
type Listed = Impl & { modes: Mode[] };

const SYSTEM_PYTHON = "/usr/bin/python3";

function implementations(o: Options): Impl[] {
  const node = (script: string, extra: string[] = []) => ({
    command: process.execPath,
    args: [...extra, "--conditions=@backprop/source", "--import", "tsx", join(here, script)],
  });
  const base = {
    dataDir: o.dataDir,
    seed: o.seed,
    epochs: o.epochs,
    batchSize: o.batchSize,
    layers: o.layers,
  };
  const impls: Listed[] = [
    {
      id: "backprop-js",
      label: "@backprop js backend (Trainer.fit: layers + losses + optimizers)",
      ...node("child-backprop.ts"),
      config: { ...base, variant: "js" },
      steps: null,
      modes: ["quick", "full"],
      ours: true,
      group: "backprop",
    },
    {
      id: "backprop-wasm",
      label: "@backprop wasm-simd backend, 1 thread (Trainer.fit)",
      ...node("child-backprop.ts"),
      config: { ...base, variant: "wasm" },
      steps: null,
      modes: ["quick", "full"],
      ours: true,
      group: "backprop",
    },
    {
      id: "backprop-wasm-relaxed-1t",
      label: "@backprop wasm-relaxed-simd, 1 thread (Trainer.fit; the CLI's default with --threads 1)",
      ...node("child-backprop.ts", ["--experimental-wasm-relaxed-simd"]),
      config: { ...base, variant: "wasm", relaxed: true },
      steps: null,
      modes: ["full", "suite"],
      ours: true,
      group: "backprop",
    },
    {
      id: "backprop-wasm-2t",
      label: "@backprop wasm-simd, 2 threads (Trainer.fit)",
      ...node("child-backprop.ts"),
      config: { ...base, variant: "wasm", wasmThreads: 2 },
      steps: null,
      modes: ["quick", "full"],
      ours: true,
      group: "backprop",
    },
    {
      id: "backprop-wasm-relaxed",
      label:
        "@backprop wasm-relaxed-simd, 2 threads (Trainer.fit; the CLI's default on 2 cores, which switches relaxed SIMD on)",
      ...node("child-backprop.ts", ["--experimental-wasm-relaxed-simd"]),
      config: { ...base, variant: "wasm", wasmThreads: 2, relaxed: true },
      steps: null,
      modes: ["quick", "full", "suite"],
      ours: true,
      group: "backprop",
    },
    {
      id: "tfjs-cpu",
      label: "@tensorflow/tfjs 4.22.0 cpu (layers, core, backend-cpu)",
      ...node("child-tfjs.ts"),
      config: { ...base, variant: "cpu" },
      steps: o.tfjsCpuSteps,
      modes: ["quick", "full"],
      group: "tfjs",
    },
    {
      id: "tfjs-wasm",
      label: "@tensorflow/tfjs-backend-wasm 4.22.0 (1 thread in Node)",
      ...node("child-tfjs.ts"),
      config: { ...base, variant: "wasm" },
      steps: o.tfjsWasmSteps,
      modes: ["quick", "full", "suite"],
      group: "tfjs",
    },
  ];
  if (existsSync(SYSTEM_PYTHON)) {
    /** PyTorch on `threads` threads, or with no thread setting at all ("default": torch's own choice). */
    const torch = (threads: number | "default", openblas: boolean): Listed => ({
      id: `torch-${openblas ? "openblas-" : ""}${threads === "default" ? "default" : `${threads}t`}`,
      label: `PyTorch 1.13 CPU (Debian python3-torch), ${threads === "default" ? "its default threads" : `${threads} thread${threads > 1 ? "s" : ""}`}, ${openblas ? "OpenBLAS 0.3.21 via LD_LIBRARY_PATH" : "as installed (reference libblas3)"}`,
      command: SYSTEM_PYTHON,
      args: [join(packageDir, "torch_mlp.py")],
      env: {
        ...(threads === "default"
          ? {}
          : { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) }),
        ...(openblas ? { LD_LIBRARY_PATH: o.openblasDir! } : {}),
      },
      config: { ...base, variant: String(threads) },
      steps: null,
      // Two threads of the reference BLAS are slower than one here (and cost minutes): --only.
      modes: openblas
        ? ["full", "suite", ...(threads === 1 ? ["quick" as const] : [])]
        : threads === 1
          ? ["quick", "full"]
          : [],
      group: "torch",
    });
    impls.push(torch(1, false), torch(2, false));
    if (o.openblasDir !== null) impls.push(torch(1, true), torch(2, true), torch("default", true));
  }
  return impls.filter((i) => (o.only ? o.only.has(i.id) : i.modes.includes(o.mode)) && !o.skip.has(i.id));
}

function report(results: Result[], o: Options, started: Date, seconds: number): string {
  const lines: string[] = [];
  const E = o.epochs;
  lines.push(
    `## End-to-end training: Fashion-MNIST, ${layersText(o.layers)} ReLU, softmax cross-entropy, Adam lr 1e-3, batch ${o.batchSize} (${o.mode} run)`,
    "",
    `Machine: ${machineLine()}. Started ${started.toISOString()}, took ${(seconds / 60).toFixed(1)} min.`,
    `Command: \`pnpm --filter @backprop/bench-train ${{ quick: "bench:quick", full: "bench:full", suite: "bench" }[o.mode]}\` (${process.argv.slice(2).join(" ") || "no options"}).`,
    `Protocol: 60,000 training images per epoch (${Math.ceil(PROTOCOL.trainSize / o.batchSize)} steps of ${o.batchSize}), ${E} epochs, interleaved by epoch` +
      " (each round trains one epoch of every implementation in turn, each in its own process; the order rotates per round)." +
      ` Seconds/epoch is the median of epochs 2–${E}${E < 5 ? ` (the protocol's 2–5 needs --epochs 5: this is a short run)` : ""};` +
      ` samples/s = 60,000 / that; GFLOP/s = samples/s × ${(flopPerSample(o.layers) / 1e6).toFixed(2)} MFLOP. Peak RSS is the child's maxRSS (VmHWM).` +
      " Accuracy is on the 10,000 test images after the last epoch. CPU = the child's CPU seconds / wall seconds;" +
      " foreign = cores other processes used during its epochs (median), from /proc/stat.",
    "",
    "| implementation | s / epoch | samples/s | GFLOP/s | peak RSS (MiB) | test accuracy | CPU (cores) | foreign load (cores) | note |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const r of results) {
    const spe = secondsPerEpoch(r);
    const t = timed(r);
    const cpu = t.length ? median(t.map((e) => e.cpuSeconds / e.seconds)) : null;
    const foreign = t.filter((e) => e.foreignCores !== null).map((e) => e.foreignCores!);
    const notes: string[] = [];
    if (r.error) notes.push(`FAILED: ${r.error.split("\n")[0]}`);
    if (r.stepsPerRound !== null) {
      const done = r.epochs.reduce((a, e) => a + e.steps, 0);
      notes.push(
        `extrapolated: ${r.stepsPerRound} steps per round (${done} in all), s/epoch = median time per step × 60,000/128; accuracy after ${done} steps only`,
      );
    }
    const acc =
      r.accuracy === null
        ? "—"
        : `${(100 * r.accuracy).toFixed(2)} %${r.stepsPerRound !== null ? " (partial)" : ""}`;
    lines.push(
      `| ${r.label} | ${fmt(spe)} | ${spe ? Math.round(PROTOCOL.trainSize / spe) : "—"} | ${spe ? fmt((PROTOCOL.trainSize / spe) * flopPerSample(o.layers) * 1e-9) : "—"} | ${fmt(r.maxRssMiB, 0)} | ${acc} | ${fmt(cpu)} | ${foreign.length ? fmt(median(foreign)) : "—"} | ${notes.join("; ")} |`,
    );
  }

  // Targets of the speed issue, for every @backprop implementation.
  const get = (id: string) => results.find((r) => r.id === id && !r.error);
  const torchRefs = ["torch-1t", "torch-2t", "torch-openblas-1t", "torch-openblas-2t"].filter((id) =>
    get(id),
  );
  const ours = results.filter((r) => r.ours && !r.error);
  const tfWasm = get("tfjs-wasm");
  const tfCpu = get("tfjs-cpu");
  if (ours.length) {
    lines.push(
      "",
      "Targets (ratios of the seconds/epoch above; ✓ = met): ours ≤ 1.5× PyTorch, tfjs-wasm ≥ 8× ours, tfjs-cpu ≥ 50× ours.",
      "",
      `| implementation | ${torchRefs.map((id) => `÷ ${id} (≤ 1.5)`).join(" | ")}${torchRefs.length ? " | " : ""}tfjs-wasm ÷ ours (≥ 8) | tfjs-cpu ÷ ours (≥ 50) |`,
      `|---|${torchRefs.map(() => "---|").join("")}---|---|`,
    );
    for (const r of ours) {
      const s = secondsPerEpoch(r);
      const cell = (x: number | null, ok: (v: number) => boolean) =>
        x === null || s === null ? "—" : `${x.toFixed(2)}× ${ok(x) ? "✓" : "✗"}`;
      const torchCells = torchRefs.map((id) => {
        const t = secondsPerEpoch(get(id)!);
        return cell(t && s ? s / t : null, (v) => v <= 1.5);
      });
      const w = tfWasm ? secondsPerEpoch(tfWasm) : null;
      const c = tfCpu ? secondsPerEpoch(tfCpu) : null;
      lines.push(
        `| ${r.id} | ${torchCells.join(" | ")}${torchCells.length ? " | " : ""}${cell(w && s ? w / s : null, (v) => v >= 8)} | ${cell(c && s ? c / s : null, (v) => v >= 50)} |`,
      );
    }
  }

  // Every epoch: seconds per 60,000 samples, mean training loss and foreign load.
  lines.push(
    "",
    "Per round: seconds per 60,000-sample epoch (extrapolated where marked above) / mean training loss of the round / foreign load (cores).",
    "",
    `| implementation | setup (s) | ${Array.from({ length: E }, (_, i) => `epoch ${i + 1}`).join(" | ")} |`,
    `|---|---|${Array.from({ length: E }, () => "---|").join("")}`,
  );
  for (const r of results) {
    const cells = Array.from({ length: E }, (_, i) => {
      const e = r.epochs[i];
      return e ? `${epochSeconds(e).toFixed(2)} / ${e.meanLoss.toFixed(4)} / ${fmt(e.foreignCores)}` : "—";
    });
    lines.push(`| ${r.id} | ${fmt(r.setupSeconds, 1)} | ${cells.join(" | ")} |`);
  }
  lines.push("", "Runtimes:", "");
  for (const r of results) lines.push(`- ${r.id}: ${r.info || "—"}`);
  return lines.join("\n");
}

/** The JSON of a run: the machine, when, the options and everything measured. */
function writeJson(o: Options, started: Date, seconds: number, measured: object): void {
  mkdirSync(dirname(o.json), { recursive: true });
  writeFileSync(
    o.json,
    `${JSON.stringify({ machine: machineLine(), started, seconds, options: { ...o, only: o.only && [...o.only], skip: [...o.skip] }, ...measured }, null, 2)}\n`,
  );
  log(`raw results: ${o.json}`);
}

/** One workload (quick or full): its implementations interleaved, then the report. */
async function runWorkload(o: Options): Promise<void> {
  const impls = implementations(o);
  if (impls.length === 0) throw new Error("no implementation selected");
  const started = new Date();
  const t0 = performance.now();
  log(`${o.mode} run, ${o.epochs} epochs: ${impls.map((i) => i.id).join(", ")}`);
  const results = await runInterleaved(impls, o.epochs, packageDir);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${report(results, o, started, seconds)}\n`);
  writeJson(o, started, seconds, { results });
}

/**
 * The suite: every workload of WORKLOADS as its own interleaved run, the two-process gemm ceiling
 * measured after each of its rounds; the summary table, then each workload's full report.
 */
async function runSuite(o: Options): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  const runs: WorkloadRun[] = [];
  const reports: string[] = [];
  for (const workload of WORKLOADS) {
    const layers = [PROTOCOL.layers[0], ...workload.hidden, PROTOCOL.layers.at(-1)!];
    const w: Options = { ...o, batchSize: workload.batchSize, layers };
    const impls = implementations(w);
    if (impls.length === 0) throw new Error("no implementation selected");
    log(
      `suite, ${workload.name} (${layersText(layers)}, batch ${workload.batchSize}): ${impls.map((i) => i.id).join(", ")}`,
    );
    const ceilings: Ceiling[] = [];
    const workloadStarted = new Date();
    const w0 = performance.now();
    const results = await runInterleaved(impls, o.epochs, packageDir, async (epoch) => {
      const ceiling = await measureCeiling(workload.batchSize, layers);
      ceilings.push(ceiling);
      log(
        `round ${epoch} ceiling: ${ceiling.pair.map((g) => g.toFixed(1)).join(" + ")} = ${ceiling.total.toFixed(1)} GFLOP/s`,
      );
    });
    runs.push({ workload, layers, results, ceilings });
    reports.push(report(results, w, workloadStarted, (performance.now() - w0) / 1000));
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    [
      "## The speed issue's workloads, side by side (Fashion-MNIST, ReLU MLP, softmax cross-entropy, Adam lr 1e-3)",
      "",
      `Machine: ${machineLine()}. Started ${started.toISOString()}, took ${(seconds / 60).toFixed(1)} min.`,
      `Command: \`pnpm --filter @backprop/bench-train bench\` (${process.argv.slice(2).join(" ") || "no options"}).`,
      `Each row is one interleaved run of ${o.epochs} epochs (seconds per 60,000-sample epoch, median of epochs 2–${o.epochs}; tfjs-wasm extrapolated from ${o.tfjsWasmSteps ?? "all"} steps per round). ` +
        "PyTorch is 1.13 with OpenBLAS 0.3.21 (1 thread, 2 threads, and no thread setting: its defaults); the fastest of the three is the reference. " +
        "The ceiling: after every round, two one-thread processes ran one step's matrix products of that workload at once for 3 s each (relaxed SIMD, as the CLI); their summed GFLOP/s (median over rounds) and the seconds an epoch's products take at that rate. " +
        '"Epoch at the ceiling ÷ ours" is the share of the two cores\' gemm capacity our whole epoch reaches (1.00 = an epoch that is nothing but gemm at the ceiling).',
      "",
      suiteTable(runs),
      "",
      ...reports.flatMap((r) => [r, ""]),
    ].join("\n"),
  );
  writeJson(o, started, seconds, { runs });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.openblasDir === null)
    log("no OpenBLAS directory (see README: .cache/openblas): the torch-openblas rows are skipped");
  await (o.mode === "suite" ? runSuite(o) : runWorkload(o));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
