import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describeError, TrainerError } from "./errors.js";
import { formatValue } from "./format.js";
import type { EpochLogs } from "./history.js";

/** What the HTML report shows. */
export interface ReportData {
  /** Page title, e.g. the run name. */
  title: string;
  /** One entry per epoch (the training history). */
  history: readonly EpochLogs[];
  /** Final metrics on the test split (or whatever was evaluated last), if any. */
  test?: Readonly<Record<string, number>> | undefined;
  /** For classification: the confusion matrix [true][predicted] of the test split and the class names. */
  confusion?: { matrix: readonly (readonly number[])[]; classNames: readonly string[] } | undefined;
  /** Key facts shown in a table (dataset, architecture, optimizer, …). */
  facts?: Readonly<Record<string, string | number | boolean>> | undefined;
  /** The model summary table (monospace). */
  summary?: string | undefined;
}

/** uPlot's browser build and stylesheet, read from the installed `uplot` package. */
function uplotAssets(): { script: string; style: string } {
  const require = createRequire(import.meta.url);
  try {
    return {
      script: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
      style: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
    };
  } catch (error) {
    throw new TrainerError(
      `report: cannot read uPlot from the installed uplot package: ${describeError(error)}`,
    );
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element (no `</script>`, no HTML comment openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The series to chart: each base metric with its `val_` twin on one chart; `lr` on its own. */
function chartGroups(history: readonly EpochLogs[]): { title: string; keys: string[] }[] {
  const keys = new Set<string>();
  for (const logs of history)
    for (const [key, value] of Object.entries(logs)) if (typeof value === "number") keys.add(key);
  const skip = new Set(["epoch", "step", "time", "samplesPerSecond"]);
  const groups: { title: string; keys: string[] }[] = [];
  for (const key of keys) {
    if (skip.has(key) || key.startsWith("val_") || key === "lr") continue;
    groups.push({ title: key, keys: [key, ...(keys.has(`val_${key}`) ? [`val_${key}`] : [])] });
  }
  for (const key of keys) {
    if (key.startsWith("val_") && !keys.has(key.slice(4))) groups.push({ title: key, keys: [key] });
  }
  if (keys.has("lr")) groups.push({ title: "learning rate", keys: ["lr"] });
  return groups;
}

function confusionTable(confusion: NonNullable<ReportData["confusion"]>): string {
  const { matrix, classNames } = confusion;
  let max = 0;
  for (const row of matrix) for (const v of row) max = Math.max(max, v);
  const head = classNames.map((name) => `<th>${escapeHtml(name)}</th>`).join("");
  const rows = matrix
    .map((row, t) => {
      const total = row.reduce((a, b) => a + b, 0);
      const cells = row
        .map((v, p) => {
          const alpha = max === 0 ? 0 : (v / max) * 0.85;
          const color =
            t === p ? `rgba(46,125,50,${alpha.toFixed(3)})` : `rgba(198,40,40,${alpha.toFixed(3)})`;
          return `<td style="background:${color}">${v}</td>`;
        })
        .join("");
      const recall = total === 0 ? "–" : `${((row[t]! / total) * 100).toFixed(1)}%`;
      return `<tr><th>${escapeHtml(classNames[t] ?? String(t))}</th>${cells}<td class="recall">${recall}</td></tr>`;
    })
    .join("\n");
  return `<table class="confusion"><thead><tr><th>true \\ predicted</th>${head}<th>recall</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function factsTable(facts: Readonly<Record<string, unknown>>): string {
  const rows = Object.entries(facts)
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(String(value))}</td></tr>`)
    .join("");
  return `<table class="facts">${rows}</table>`;
}

/**
 * A self-contained HTML page (uPlot and its stylesheet inlined, no network access) with one chart
 * per metric over the epochs (training and validation together), the final test metrics, the
 * confusion matrix of a classifier, and the run's facts and model summary.
 */
export function renderReport(data: ReportData): string {
  const { script, style } = uplotAssets();
  const groups = chartGroups(data.history);
  const series = Object.fromEntries(
    [...new Set(groups.flatMap((g) => g.keys))].map((key) => [
      key,
      data.history.map((logs) => {
        const value = logs[key];
        return typeof value === "number" && Number.isFinite(value) ? value : null;
      }),
    ]),
  );
  const payload = { epochs: data.history.map((logs) => logs.epoch), groups, series };
  const test =
    data.test === undefined
      ? ""
      : `<h2>Test</h2>${factsTable(Object.fromEntries(Object.entries(data.test).map(([key, value]) => [key, formatValue(value)])))}`;
  const confusion =
    data.confusion === undefined ? "" : `<h2>Confusion matrix (test)</h2>${confusionTable(data.confusion)}`;
  const facts = data.facts === undefined ? "" : `<h2>Run</h2>${factsTable(data.facts)}`;
  const summary = data.summary === undefined ? "" : `<h2>Model</h2><pre>${escapeHtml(data.summary)}</pre>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)} · backprop report</title>
<style>${style}</style>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1000px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
table { border-collapse: collapse; } th, td { padding: 3px 8px; border: 1px solid #ddd; text-align: right; }
table.facts th { text-align: left; background: #f6f6f6; }
table.confusion td, table.confusion th { min-width: 2.5em; }
pre { background: #f6f6f6; padding: 12px; overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<h2>Training curves</h2>
<div class="charts" id="charts"></div>
${test}
${confusion}
${facts}
${summary}
<script>${script}</script>
<script id="report-data" type="application/json">${scriptJson(payload)}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var colors = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a"];
  var root = document.getElementById("charts");
  data.groups.forEach(function (group) {
    var box = document.createElement("div");
    box.className = "chart";
    box.setAttribute("data-metric", group.title);
    root.appendChild(box);
    new uPlot({
      title: group.title,
      width: 460,
      height: 260,
      scales: { x: { time: false } },
      axes: [{ label: "epoch" }, group.keys[0] === "lr" ? { size: 60, values: function (u, ticks) { return ticks.map(function (v) { return v.toExponential(1); }); } } : {}],
      series: [{ label: "epoch" }].concat(group.keys.map(function (key, i) {
        return { label: key, stroke: colors[i % colors.length], width: 2, points: { show: data.epochs.length < 60 } };
      })),
    }, [data.epochs].concat(group.keys.map(function (key) { return data.series[key]; })), box);
  });
  document.body.setAttribute("data-charts", String(data.groups.length));
})();
</script>
</body>
</html>
`;
}
