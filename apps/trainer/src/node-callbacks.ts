import { appendFile } from "node:fs/promises";
import { writeFileAtomic } from "@backprop/layers/node";
import type { Callback, FitResult, TrainingContext } from "./callback.js";
import type { EpochLogs } from "./history.js";
import { saveCheckpoint } from "./run-dir.js";

/**
 * Appends one JSON object per epoch to a file (JSON lines). On a resumed fit it first rewrites the
 * file, atomically, from the restored history, so epochs done after the checkpoint are not repeated.
 */
export class JsonLinesLogger implements Callback {
  constructor(readonly path: string) {}

  async onTrainBegin(context: TrainingContext): Promise<void> {
    await writeFileAtomic(this.path, context.history.map((logs) => `${JSON.stringify(logs)}\n`).join(""));
  }

  async onEpochEnd(logs: EpochLogs): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(logs)}\n`);
  }
}

/** A CSV field: numbers as they are, text quoted only when it holds a comma, quote or line break. */
function csvField(value: string | number | undefined): string {
  if (value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(values: readonly (string | number | undefined)[]): string {
  return `${values.map(csvField).join(",")}\n`;
}

/**
 * Writes the epoch logs as CSV (Keras' CSVLogger): a header of the first epoch's keys, one row per
 * epoch. Like `JsonLinesLogger`, a resumed fit rewrites it from the restored history first.
 */
export class CsvLogger implements Callback {
  private columns: string[] | undefined;

  constructor(readonly path: string) {}

  async onTrainBegin(context: TrainingContext): Promise<void> {
    const [first] = context.history;
    this.columns = first === undefined ? undefined : Object.keys(first);
    const rows = context.history.map((logs) => csvLine(this.columns!.map((key) => logs[key])));
    await writeFileAtomic(this.path, this.columns === undefined ? "" : csvLine(this.columns) + rows.join(""));
  }

  async onEpochEnd(logs: EpochLogs): Promise<void> {
    let text = "";
    if (this.columns === undefined) {
      this.columns = Object.keys(logs);
      text = csvLine(this.columns);
    }
    await appendFile(this.path, text + csvLine(this.columns.map((key) => logs[key])));
  }
}

/** Options of `ModelCheckpoint`: how often to write, how many to keep, and a log of the paths written. */
export interface ModelCheckpointOptions {
  /** Write a checkpoint every this many epochs (default 1); the last epoch is always written. */
  every?: number | undefined;
  /** How many checkpoints to keep (default 2). */
  keep?: number | undefined;
  /** Told the path of every checkpoint written. */
  log?: ((path: string) => void) | undefined;
}

/**
 * Writes resumable checkpoints into a run directory (see `saveCheckpoint`): after every `every`
 * epochs and the last one, and when training is interrupted (a mid-epoch checkpoint, so Ctrl-C loses
 * nothing). Put it last in the callback list, so it saves the other callbacks' state after their
 * epoch-end work.
 */
export class ModelCheckpoint implements Callback {
  private readonly every: number;
  private readonly keep: number;
  private readonly log: ((path: string) => void) | undefined;

  constructor(
    readonly runDir: string,
    options: ModelCheckpointOptions = {},
  ) {
    this.every = options.every ?? 1;
    this.keep = options.keep ?? 2;
    this.log = options.log;
  }

  async onEpochEnd(logs: EpochLogs, context: TrainingContext): Promise<void> {
    if (logs.epoch % this.every === 0 || logs.epoch === context.epochs) await this.save(context);
  }

  async onTrainEnd(result: FitResult, context: TrainingContext): Promise<void> {
    if (result.status === "interrupted" || result.status === "stopped") await this.save(context);
  }

  private async save(context: TrainingContext): Promise<void> {
    const path = await saveCheckpoint(this.runDir, context.checkpoint(), this.keep);
    this.log?.(path);
  }
}
