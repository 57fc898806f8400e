import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { writeFileAtomic } from "@backprop/layers/node";
import { TrainerError } from "./errors.js";
import { formatValue } from "./format.js";
import type { EpochLogs } from "./history.js";
import { type ChartSpec, chartPage, escapeHtml, finiteOrNull } from "./html-charts.js";
import { JSON_SIZE_LIMITS, parseJson, RUN_FILES, readFileLimited, readJson } from "./run-dir.js";

/** What `compare` reads of a run: its name, history and results. */
export interface ComparedRun {
  name: string;
  history: EpochLogs[];
  status: string;
  test: Record<string, number>;
  facts: Record<string, string>;
}

/** A run directory's metrics.jsonl (one epoch a line) and results.json (absent for a run still going). */
export async function readComparedRun(path: string): Promise<ComparedRun> {
  const dir = resolve(path);
  const metricsPath = join(dir, RUN_FILES.metrics);
  if (!existsSync(metricsPath))
    throw new TrainerError(`${path} is not a run directory with metrics (no ${RUN_FILES.metrics})`);
  const text = new TextDecoder().decode(
    await readFileLimited(metricsPath, "metrics file", JSON_SIZE_LIMITS.other),
  );
  const history = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => parseJson(line, `${metricsPath}, line ${i + 1}`) as EpochLogs);
  const resultsPath = join(dir, RUN_FILES.results);
  const results = existsSync(resultsPath)
    ? ((await readJson(resultsPath, "run results")) as Partial<Record<string, unknown>>)
    : {};
  const test = (typeof results.test === "object" && results.test !== null ? results.test : {}) as Record<
    string,
    number
  >;
  const facts: Record<string, string> = {};
  for (const key of ["data", "model", "backend"])
    if (typeof results[key] === "string") facts[key] = results[key] as string;
  return {
    name: basename(dir),
    history,
    status: typeof results.status === "string" ? results.status : "running or interrupted",
    test,
    facts,
  };
}

const NOT_CHARTED = new Set(["epoch", "step", "time", "samplesPerSecond"]);

/** One chart per metric (a metric and its val_ twin together), every run's curves overlaid. */
export function comparisonCharts(runs: readonly ComparedRun[]): ChartSpec[] {
  const x = [...new Set(runs.flatMap((r) => r.history.map((h) => h.epoch)))].sort((a, b) => a - b);
  const keys: string[] = [];
  for (const run of runs)
    for (const logs of run.history)
      for (const [key, value] of Object.entries(logs))
        if (typeof value === "number" && !NOT_CHARTED.has(key) && !keys.includes(key)) keys.push(key);
  const base = keys.filter((k) => !k.startsWith("val_") || !keys.includes(k.slice(4)));
  return base.map((key) => {
    const twins = [key, ...(keys.includes(`val_${key}`) ? [`val_${key}`] : [])];
    return {
      title: key === "lr" ? "learning rate" : key,
      xLabel: "epoch",
      xAxis: "epoch",
      x,
      logY: key === "lr",
      series: runs.flatMap((run) =>
        twins.map((k) => {
          const byEpoch = new Map(run.history.map((h) => [h.epoch, h[k]]));
          return { label: `${run.name} ${k}`, values: finiteOrNull(x.map((e) => byEpoch.get(e))) };
        }),
      ),
    };
  });
}

/** The runs side by side: status, epochs, final training metrics and test metrics. */
function comparisonTable(runs: readonly ComparedRun[]): string {
  const last = (run: ComparedRun) => run.history.at(-1) ?? ({} as EpochLogs);
  const trainKeys = [...new Set(runs.flatMap((r) => Object.keys(last(r))))].filter(
    (k) => !NOT_CHARTED.has(k) && k !== "lr",
  );
  const testKeys = [...new Set(runs.flatMap((r) => Object.keys(r.test)))];
  const factKeys = [...new Set(runs.flatMap((r) => Object.keys(r.facts)))];
  const cell = (value: unknown) =>
    `<td>${typeof value === "number" && !Number.isInteger(value) ? formatValue(value) : escapeHtml(String(value ?? "–"))}</td>`;
  const rows: [string, (run: ComparedRun) => unknown][] = [
    ["status", (r) => r.status],
    ["epochs", (r) => r.history.length],
    ...trainKeys.map((k): [string, (run: ComparedRun) => unknown] => [`final ${k}`, (r) => last(r)[k]]),
    ...testKeys.map((k): [string, (run: ComparedRun) => unknown] => [`test ${k}`, (r) => r.test[k]]),
    ...factKeys.map((k): [string, (run: ComparedRun) => unknown] => [k, (r) => r.facts[k]]),
  ];
  const head = runs.map((r) => `<th>${escapeHtml(r.name)}</th>`).join("");
  const body = rows
    .map(
      ([label, value]) => `<tr><th>${escapeHtml(label)}</th>${runs.map((r) => cell(value(r))).join("")}</tr>`,
    )
    .join("\n");
  return `<div class="scroll"><table class="facts compare"><thead><tr><th></th>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** The comparison page of `runs`: their curves overlaid, their final metrics side by side. */
export function renderComparison(runs: readonly ComparedRun[]): string {
  return chartPage({
    title: `backprop: ${runs.map((r) => r.name).join(" vs ")}`,
    chartsHeading: "Training curves",
    charts: comparisonCharts(runs),
    sections: `<h2>Final metrics</h2>${comparisonTable(runs)}`,
  });
}

/** `backprop compare`: reads the runs and writes the page to `output` (atomically); its path. */
export async function runCompare(paths: readonly string[], output: string): Promise<string> {
  if (paths.length < 2) throw new TrainerError("compare needs at least two run directories");
  const runs = await Promise.all(paths.map(readComparedRun));
  const names = runs.map((r) => r.name);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash !== undefined)
    throw new TrainerError(`compare: two runs are named "${clash}"; give distinct runs`);
  const file = resolve(output);
  await writeFileAtomic(file, renderComparison(runs));
  return file;
}
