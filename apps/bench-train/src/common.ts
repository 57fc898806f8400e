/**
 * What every implementation of the training benchmark shares: the protocol's constants, the
 * runner ↔ child message format, a plain IDX reader (for the tfjs side; our side reads through
 * @backprop/data), a seeded shuffle and the child-side command loop.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { gunzipSync } from "node:zlib";
import { withForeignLoadAsync } from "@backprop/bench-kit";

/** The protocol. */
export const PROTOCOL = {
  layers: [784, 256, 128, 10] as const,
  batchSize: 128,
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  trainSize: 60_000,
  testSize: 10_000,
} as const;

/**
 * FLOP per training sample of an MLP with these layer widths: forward 2·Σ n_l·n_(l+1), backward twice
 * that (∂E/∂W and δ of the layer below). 784-256-128-10: 6 · 234,752 = 1.41 MFLOP, the figure.
 */
export function flopPerSample(layers: readonly number[]): number {
  let products = 0;
  for (let l = 0; l + 1 < layers.length; l++) products += layers[l]! * layers[l + 1]!;
  return 6 * products;
}

/**
 * FLOP per sample of the matrix products the trainer runs: `flopPerSample` without the first layer's
 * input gradient δ·W₁ (2·n₀·n₁), which no one needs and `Sequential.backwardParameters` skips, as
 * PyTorch and tfjs do. 784-256-128-10: 1.01 MFLOP.
 */
export function gemmFlopPerSample(layers: readonly number[]): number {
  return flopPerSample(layers) - 2 * layers[0]! * layers[1]!;
}

/** The integer after `name` on the command line, `fallback` without it; fails below `minimum`. */
export function integerFlag(name: string, fallback: number, minimum: number): number {
  const at = process.argv.indexOf(name);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < minimum)
    throw new Error(`${name} must be an integer ≥ ${minimum}, got ${process.argv[at + 1]}`);
  return value;
}

/** "784-256-128-10". */
export const layersText = (layers: readonly number[]) => layers.join("-");

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Runner → child, one JSON object per stdin line. */
export type Command =
  | { cmd: "epoch"; epoch: number; steps: number | null }
  | { cmd: "eval" }
  | { cmd: "quit" };

/** Child → runner, one JSON object per stdout line, prefixed by MESSAGE_PREFIX. */
export type Message =
  | { type: "ready"; setupSeconds: number; info: string }
  | {
      type: "epoch";
      epoch: number;
      seconds: number;
      steps: number;
      samples: number;
      meanLoss: number;
      /** Cores other processes used during the epoch (from /proc/stat minus this process). */
      foreignCores: number | null;
      /** CPU seconds this process used during the epoch (user + system, all threads). */
      cpuSeconds: number;
    }
  | { type: "eval"; accuracy: number; seconds: number }
  | { type: "final"; maxRssMiB: number }
  | { type: "error"; message: string };

export const MESSAGE_PREFIX = "@@bench-train ";

/** Options the runner passes to a child as JSON in argv[2]. */
export interface ChildConfig {
  dataDir: string;
  seed: number;
  /** Implementation-specific switch (tfjs: "cpu" | "wasm"; backprop: "js" | "wasm"; torch: threads). */
  variant: string;
  /** Epochs the runner will ask for (the backprop child's `Trainer.fit` runs that many). */
  epochs: number;
  /** Samples per step (the protocol's 128 unless `--batch-size`). */
  batchSize: number;
  /** Layer widths, input and output included (784-256-128-10 unless `--hidden`). */
  layers: number[];
}

export function send(message: Message): void {
  process.stdout.write(`${MESSAGE_PREFIX}${JSON.stringify(message)}\n`);
}

export function parseConfig(): ChildConfig {
  const raw = process.argv[2];
  if (!raw) throw new Error("child: missing the JSON config argument");
  return JSON.parse(raw) as ChildConfig;
}

/** An IDX file (gzipped or raw) as its dims and unsigned-byte payload. */
export function readIdxUint8(path: string): { dims: number[]; data: Uint8Array } {
  let bytes: Uint8Array = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== 0x08) throw new Error(`${path}: not an unsigned-byte IDX file`);
  const rank = bytes[3]!;
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + size)
    throw new Error(`${path}: ${bytes.length - offset} payload bytes, dims say ${size}`);
  return { dims, data: bytes.subarray(offset) };
}

export interface RawSplit {
  /** n × 784 pixels scaled to [0, 1]. */
  images: Float32Array;
  labels: Uint8Array;
  n: number;
}

/** Fashion-MNIST's train or test split, pixels / 255, read straight from the IDX files. */
export function readFashionMnist(dataDir: string, split: "train" | "test"): RawSplit {
  const prefix = split === "train" ? "train" : "t10k";
  const img = readIdxUint8(`${dataDir}/${prefix}-images-idx3-ubyte.gz`);
  const lab = readIdxUint8(`${dataDir}/${prefix}-labels-idx1-ubyte.gz`);
  const n = img.dims[0]!;
  if (lab.dims[0] !== n || img.dims[1]! * img.dims[2]! !== 784) throw new Error(`${split}: unexpected dims`);
  const images = new Float32Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = img.data[i]! / 255;
  return { images, labels: lab.data, n };
}

/** mulberry32: a small seeded generator for the per-epoch shuffles of the tfjs side. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of 0..n-1 into `out`. */
export function permutation(out: Int32Array, random: () => number): Int32Array {
  for (let i = 0; i < out.length; i++) out[i] = i;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

export function maxRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
}

/** What one round of training did. */
export interface EpochResult {
  lossSum: number;
  steps: number;
  samples: number;
}

/** One implementation as the child loop drives it. */
export interface Trainer {
  info: string;
  /**
   * Trains `steps` mini-batches of the current epoch (null: the whole epoch, 469 steps with the
   * last batch of 96) and returns the summed loss and the number of steps and samples done. The
   * timing and foreign-load bracket is exactly this call (synchronous, or until its promise settles).
   */
  trainEpoch(epoch: number, steps: number | null): EpochResult | Promise<EpochResult>;
  /** Test-set accuracy in [0, 1]. */
  evaluate(): number;
}

/** The child side of the protocol: read commands from stdin, answer on stdout. */
export async function serve(setup: () => Promise<Trainer> | Trainer): Promise<void> {
  try {
    const t0 = performance.now();
    const trainer = await setup();
    send({ type: "ready", setupSeconds: (performance.now() - t0) / 1000, info: trainer.info });
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const command = JSON.parse(line) as Command;
      if (command.cmd === "epoch") {
        const cpu0 = process.cpuUsage();
        const t = performance.now();
        const { result, foreignCores } = await withForeignLoadAsync(async () =>
          trainer.trainEpoch(command.epoch, command.steps),
        );
        const seconds = (performance.now() - t) / 1000;
        const cpu = process.cpuUsage(cpu0);
        send({
          type: "epoch",
          epoch: command.epoch,
          seconds,
          steps: result.steps,
          samples: result.samples,
          meanLoss: result.lossSum / result.steps,
          foreignCores,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
        });
      } else if (command.cmd === "eval") {
        const t = performance.now();
        const accuracy = trainer.evaluate();
        send({ type: "eval", accuracy, seconds: (performance.now() - t) / 1000 });
      } else {
        send({ type: "final", maxRssMiB: maxRssMiB() });
        process.exit(0);
      }
    }
  } catch (error) {
    send({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
}
