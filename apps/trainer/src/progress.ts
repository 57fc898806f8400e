import { formatCount, formatDuration, formatLogs } from "./format.js";

/** Where progress goes: a stream (process.stderr) or anything with `write`. */
export interface ProgressStream {
  /** Writes text (a terminal, a file, or a string in tests). */
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

/** Options of `ProgressBar`: the stream, terminal or plain lines, and how often to redraw. */
export interface ProgressBarOptions {
  stream: ProgressStream;
  /** Redraw one line in place (a terminal) or print plain lines; `stream.isTTY` unless given. */
  tty?: boolean | undefined;
  /** Least time between two redraws on a terminal, ms (default 100). */
  redrawMs?: number | undefined;
  /** Least time between two plain progress lines when not on a terminal, ms (default 10,000). */
  plainMs?: number | undefined;
  /** The clock, ms (default `performance.now`); tests pass a fake one. */
  now?: (() => number) | undefined;
}

/** What the bar shows during an epoch. */
export interface ProgressUpdate {
  /** Batches done in this epoch. */
  batches: number;
  /** Samples done in this epoch. */
  samples: number;
  /** Running means of the loss and metrics over this epoch. */
  logs: Readonly<Record<string, number>>;
}

const BAR_WIDTH = 24;

/**
 * The parts joined by two spaces in at most `width` characters, shortened from the left: whole parts
 * are dropped from the start (a leading "…" says so), so the numbers that remain (samples/s, ETA) are
 * never cut; a last part longer than the line keeps its right end.
 */
export function fitFromLeft(parts: readonly string[], width: number): string {
  const kept = parts.filter((part) => part !== "");
  const full = kept.join("  ");
  if (full.length <= width) return full;
  for (let start = 1; start < kept.length; start++) {
    const line = `… ${kept.slice(start).join("  ")}`;
    if (line.length <= width) return line;
  }
  return full.slice(full.length - Math.max(0, width));
}

/**
 * The Keras-style progress display of one epoch at a time: on a terminal, one line redrawn in place
 * (`epoch 2/10 [=====>......] 40/125  loss 0.31  accuracy 0.91  5,120 samples/s  ETA 3s`); elsewhere
 * (CI logs, pipes) a plain line every `plainMs`. `end` replaces it with the epoch summary line.
 */
export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly redrawMs: number;
  private readonly plainMs: number;
  private readonly now: () => number;
  private label = "";
  private totalBatches = 0;
  private started = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(options: ProgressBarOptions) {
    this.stream = options.stream;
    this.tty = options.tty ?? options.stream.isTTY === true;
    this.redrawMs = options.redrawMs ?? 100;
    this.plainMs = options.plainMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts an epoch of `totalBatches` batches; `label` prefixes every line (e.g. `epoch 2/10`). */
  start(label: string, totalBatches: number): void {
    this.label = label;
    this.totalBatches = totalBatches;
    this.started = this.now();
    this.lastDraw = this.tty ? Number.NEGATIVE_INFINITY : this.started;
    this.drawn = false;
  }

  /** Redraws (at most every `redrawMs` on a terminal, every `plainMs` otherwise). */
  update(progress: ProgressUpdate): void {
    const now = this.now();
    if (
      now - this.lastDraw < (this.tty ? this.redrawMs : this.plainMs) &&
      progress.batches < this.totalBatches
    )
      return;
    if (!this.tty && progress.batches >= this.totalBatches) return;
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? progress.samples / elapsed : 0;
    const remaining =
      progress.batches > 0
        ? (elapsed / progress.batches) * (this.totalBatches - progress.batches)
        : Number.NaN;
    const fraction = this.totalBatches === 0 ? 1 : progress.batches / this.totalBatches;
    const filled = Math.min(BAR_WIDTH, Math.floor(fraction * BAR_WIDTH));
    const bar = `[${"=".repeat(filled)}${filled < BAR_WIDTH ? ">" : ""}${".".repeat(Math.max(0, BAR_WIDTH - filled - 1))}]`;
    const parts = [
      this.label,
      this.tty ? bar : `${Math.round(fraction * 100)}%`,
      `${progress.batches}/${this.totalBatches}`,
      ...Object.keys(progress.logs).map((key) => formatLogs(progress.logs, [key])),
      `${formatCount(rate)} samples/s`,
      `ETA ${formatDuration(remaining)}`,
    ];
    if (this.tty) {
      const line = fitFromLeft(parts, (this.stream.columns ?? 120) - 1);
      this.stream.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      this.stream.write(`${parts.filter((part) => part !== "").join("  ")}\n`);
    }
  }

  /** Ends the epoch: clears the bar and prints `summary` as a line of its own. */
  end(summary: string): void {
    if (this.drawn) this.stream.write("\r\x1b[2K");
    this.drawn = false;
    this.stream.write(`${summary}\n`);
  }

  /** Clears a bar left on the terminal (when training stops with an error). */
  clear(): void {
    if (this.drawn) this.stream.write("\r\x1b[2K");
    this.drawn = false;
  }
}
