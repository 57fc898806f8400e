/**
 * The benchmark's interleaving: every implementation in its own child process (so peak RSS is its
 * own), set up one at a time, then trained epoch by epoch in rounds — round e asks every child in turn
 * for its epoch e, the order rotating by one each round — and finally asked for its test accuracy and
 * peak RSS. Also the figures every report derives from the epochs.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { type ChildConfig, type Command, MESSAGE_PREFIX, type Message, PROTOCOL } from "./common.js";

/** One implementation: how to start its child and how many steps it trains per round. */
export interface Impl {
  id: string;
  label: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  config: ChildConfig & Record<string, unknown>;
  /** null: full epochs; a number: that many steps per round, seconds/epoch extrapolated. */
  steps: number | null;
  ours?: boolean;
  group: "backprop" | "tfjs" | "torch";
}

/** A running child: send a command, await its next message. */
class Child {
  readonly impl: Impl;
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly queue: Message[] = [];
  private waiter: ((m: Message) => void) | null = null;
  private exited = false;
  stderr = "";

  constructor(impl: Impl, cwd: string) {
    this.impl = impl;
    this.proc = spawn(impl.command, [...impl.args, JSON.stringify(impl.config)], {
      cwd,
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

export interface Result {
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

export const log = (s: string) => process.stderr.write(`[bench-train] ${s}\n`);

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Seconds per 60,000-sample epoch: measured, or extrapolated from the steps done. */
export const epochSeconds = (e: EpochMessage) => (e.seconds * PROTOCOL.trainSize) / e.samples;

/** The epochs the protocol takes the median of: 2..E (all of them when only one ran). */
export const timed = (r: Result) => (r.epochs.length > 1 ? r.epochs.slice(1) : r.epochs);

export function secondsPerEpoch(r: Result): number | null {
  const t = timed(r);
  return t.length === 0 ? null : median(t.map(epochSeconds));
}

export const fmt = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits);

/**
 * Runs `impls` interleaved for `epochs` rounds (children started in `cwd`); `afterRound(e)`, if
 * given, runs after every child's epoch e (while they all wait). One Result per implementation, a
 * failed one with its error.
 */
export async function runInterleaved(
  impls: readonly Impl[],
  epochs: number,
  cwd: string,
  afterRound?: (epoch: number) => Promise<void>,
): Promise<Result[]> {
  const children = impls.map((impl) => new Child(impl, cwd));
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

  for (let epoch = 1; epoch <= epochs; epoch++) {
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
    await afterRound?.(epoch);
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
  return results;
}
