/**
 * The end-to-end training benchmark's runner. Each implementation runs in its own child process
 * (so peak RSS is its own), loads the data and builds its model, then waits; the runner then
 * interleaves them by epoch — round e sends "train epoch e" to every child in turn (the order rotates
 * each round), so all see the same minute of this shared VM — and finally asks each for its test
 * accuracy and peak RSS. Prints a markdown report on stdout; progress goes to stderr.
 *
 *   node --conditions=@backprop/source --import tsx src/run.ts [--quick | --full] [options]
 *
 * Options: --epochs N, --batch-size N, --hidden a,b, --only id,id, --skip id,id, --tfjs-cpu-steps N, --tfjs-cpu-full,
 * --tfjs-wasm-steps N, --openblas-dir DIR, --data-dir DIR, --seed N, --json FILE. See README.md.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { machineLine } from "@backprop/bench-kit";
import {
  type ChildConfig,
  type Command,
  FASHION_MNIST_DIR,
  flopPerSample,
  layersText,
  MESSAGE_PREFIX,
  type Message,
  PROTOCOL,
} from "./common.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..");

type Mode = "quick" | "full";

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
  const mode: Mode = argv.includes("--full") ? "full" : "quick";
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
    epochs: num("--epochs", mode === "full" ? 5 : 2),
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

/** One implementation: how to start its child and how many steps it trains per round. */
interface Impl {
  id: string;
  label: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  config: ChildConfig & Record<string, unknown>;
  /** null: full epochs; a number: that many steps per round, seconds/epoch extrapolated. */
  steps: number | null;
  /** In the default set of these modes (any implementation can be picked with --only). */
  modes: Mode[];
  ours?: boolean;
  group: "backprop" | "tfjs" | "torch";
}

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
  const impls: Impl[] = [
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
      modes: ["full"],
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
      modes: ["quick", "full"],
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
      modes: ["quick", "full"],
      group: "tfjs",
    },
  ];
  if (existsSync(SYSTEM_PYTHON)) {
    const torch = (threads: number, openblas: boolean): Impl => ({
      id: `torch-${openblas ? "openblas-" : ""}${threads}t`,
      label: `PyTorch 1.13 CPU (Debian python3-torch), ${threads} thread${threads > 1 ? "s" : ""}, ${openblas ? "OpenBLAS 0.3.21 via LD_LIBRARY_PATH" : "as installed (reference libblas3)"}`,
      command: SYSTEM_PYTHON,
      args: [join(packageDir, "torch_mlp.py")],
      env: {
        OMP_NUM_THREADS: String(threads),
        OPENBLAS_NUM_THREADS: String(threads),
        ...(openblas ? { LD_LIBRARY_PATH: o.openblasDir! } : {}),
      },
      config: { ...base, variant: String(threads) },
      steps: null,
      // Two threads of the reference BLAS are slower than one here (and cost minutes): --only.
      modes: threads === 1 ? ["quick", "full"] : openblas ? ["full"] : [],
      group: "torch",
    });
    impls.push(torch(1, false), torch(2, false));
    if (o.openblasDir !== null) impls.push(torch(1, true), torch(2, true));
  }
  return impls.filter((i) => (o.only ? o.only.has(i.id) : i.modes.includes(o.mode)) && !o.skip.has(i.id));
}

/** A running child: send a command, await its next message. */
class Child {
  readonly impl: Impl;
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly queue: Message[] = [];
  private waiter: ((m: Message) => void) | null = null;
  private exited = false;
  stderr = "";

  constructor(impl: Impl) {
    this.impl = impl;
    this.proc = spawn(impl.command, [...impl.args, JSON.stringify(impl.config)], {
      cwd: packageDir,
      env: { ...process.env, ...impl.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    createInterface({ input: this.proc.stdout }).on("line", (line) => {
      if (!line.startsWith(MESSAGE_PREFIX)) return;
      this.deliver(JSON.parse(line.slice(MESSAGE_PREFIX.length)) as Message);
    });
    this.proc.stderr.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.proc.on("exit", (code) => {
      this.exited = true;
      this.deliver({ type: "error", message: `exited with code ${code}\n${this.stderr}` });
    });
  }

  private deliver(m: Message): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(m);
    } else this.queue.push(m);
  }

  next(): Promise<Message> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  async request(command: Command): Promise<Message> {
    if (!this.exited) this.proc.stdin.write(`${JSON.stringify(command)}\n`);
    return this.next();
  }

  kill(): void {
    if (!this.exited) this.proc.kill();
  }
}

type EpochMessage = Extract<Message, { type: "epoch" }>;

interface Result {
  id: string;
  label: string;
  info: string;
  group: Impl["group"];
  ours: boolean;
  stepsPerRound: number | null;
  setupSeconds: number;
  epochs: EpochMessage[];
  accuracy: number | null;
  maxRssMiB: number | null;
  error: string | null;
}

const log = (s: string) => process.stderr.write(`[bench-train] ${s}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Seconds per 60,000-sample epoch: measured, or extrapolated from the steps done. */
const epochSeconds = (e: EpochMessage) => (e.seconds * PROTOCOL.trainSize) / e.samples;

/** The epochs the protocol takes the median of: 2..E (all of them when only one ran). */
const timed = (r: Result) => (r.epochs.length > 1 ? r.epochs.slice(1) : r.epochs);

function secondsPerEpoch(r: Result): number | null {
  const t = timed(r);
  return t.length === 0 ? null : median(t.map(epochSeconds));
}

const fmt = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits);

function report(results: Result[], o: Options, started: Date, seconds: number): string {
  const lines: string[] = [];
  const E = o.epochs;
  lines.push(
    `## End-to-end training: Fashion-MNIST, ${layersText(o.layers)} ReLU, softmax cross-entropy, Adam lr 1e-3, batch ${o.batchSize} (${o.mode} run)`,
    "",
    `Machine: ${machineLine()}. Started ${started.toISOString()}, took ${(seconds / 60).toFixed(1)} min.`,
    `Command: \`pnpm --filter @backprop/bench-train ${o.mode === "full" ? "bench:full" : "bench"}\` (${process.argv.slice(2).join(" ") || "no options"}).`,
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

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const impls = implementations(o);
  if (impls.length === 0) throw new Error("no implementation selected");
  if (o.openblasDir === null)
    log("no OpenBLAS directory (see README: .cache/openblas): the torch-openblas rows are skipped");
  const started = new Date();
  const t0 = performance.now();
  log(`${o.mode} run, ${o.epochs} epochs: ${impls.map((i) => i.id).join(", ")}`);

  const children = impls.map((impl) => new Child(impl));
  const results: Result[] = impls.map((impl) => ({
    id: impl.id,
    label: impl.label,
    info: "",
    group: impl.group,
    ours: impl.ours ?? false,
    stepsPerRound: impl.steps,
    setupSeconds: Number.NaN,
    epochs: [],
    accuracy: null,
    maxRssMiB: null,
    error: null,
  }));
  const fail = (i: number, m: Message) => {
    results[i]!.error = m.type === "error" ? m.message : `unexpected message ${JSON.stringify(m)}`;
    log(`${impls[i]!.id} failed: ${results[i]!.error}`);
    children[i]!.kill();
  };

  // Setup one at a time, so that loading does not overlap (it is not timed, but keeps peaks apart).
  for (let i = 0; i < children.length; i++) {
    const m = await children[i]!.next();
    if (m.type === "ready") {
      results[i]!.setupSeconds = m.setupSeconds;
      results[i]!.info = m.info;
      log(`${impls[i]!.id} ready (${m.setupSeconds.toFixed(1)} s): ${m.info}`);
    } else fail(i, m);
  }

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    for (let k = 0; k < children.length; k++) {
      const i = (k + epoch - 1) % children.length;
      if (results[i]!.error) continue;
      const m = await children[i]!.request({ cmd: "epoch", epoch, steps: impls[i]!.steps });
      if (m.type !== "epoch") {
        fail(i, m);
        continue;
      }
      results[i]!.epochs.push(m);
      log(
        `epoch ${epoch} ${impls[i]!.id}: ${m.seconds.toFixed(2)} s for ${m.steps} steps (${epochSeconds(m).toFixed(2)} s/epoch), loss ${m.meanLoss.toFixed(4)}, foreign ${fmt(m.foreignCores)}`,
      );
    }
  }
  for (let i = 0; i < children.length; i++) {
    if (results[i]!.error) continue;
    const m = await children[i]!.request({ cmd: "eval" });
    if (m.type === "eval") results[i]!.accuracy = m.accuracy;
    else {
      fail(i, m);
      continue;
    }
    const f = await children[i]!.request({ cmd: "quit" });
    if (f.type === "final") results[i]!.maxRssMiB = f.maxRssMiB;
    log(
      `${impls[i]!.id}: accuracy ${fmt(results[i]!.accuracy, 4)}, peak RSS ${fmt(results[i]!.maxRssMiB, 0)} MiB`,
    );
  }
  for (const c of children) c.kill();

  const seconds = (performance.now() - t0) / 1000;
  const markdown = report(results, o, started, seconds);
  process.stdout.write(`${markdown}\n`);
  mkdirSync(dirname(o.json), { recursive: true });
  writeFileSync(
    o.json,
    `${JSON.stringify({ machine: machineLine(), started, seconds, options: { ...o, only: o.only && [...o.only], skip: [...o.skip] }, results }, null, 2)}\n`,
  );
  log(`raw results: ${o.json}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
