import { formatValue } from "./format.js";
import type { EpochLogs } from "./history.js";
import { type ChartSpec, chartPage, escapeHtml, finiteOrNull } from "./html-charts.js";

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

/**
 * The charts of a history: each base metric with its `val_` twin, over the epochs; a metric whose
 * values are the loss's own (mse as the loss of a regression) is not charted twice; `lr` on its
 * own, log-scaled.
 */
export function historyCharts(history: readonly EpochLogs[]): ChartSpec[] {
  const keys = new Set<string>();
  for (const logs of history)
    for (const [key, value] of Object.entries(logs)) if (typeof value === "number") keys.add(key);
  const skip = new Set(["epoch", "step", "time", "samplesPerSecond"]);
  const x = history.map((logs) => logs.epoch);
  const values = (key: string) => finiteOrNull(history.map((logs) => logs[key]));
  const same = (a: string, b: string) => JSON.stringify(values(a)) === JSON.stringify(values(b));
  const chart = (title: string, series: string[], logY = false): ChartSpec => ({
    title,
    xLabel: "epoch",
    xAxis: "epoch",
    x,
    series: series.map((key) => ({ label: key, values: values(key) })),
    logY,
  });
  const charts: ChartSpec[] = [];
  const loss = [...keys].find((k) => !k.startsWith("val_") && k.endsWith("loss"));
  for (const key of keys) {
    if (skip.has(key) || key.startsWith("val_") || key === "lr") continue;
    const withVal = [key, ...(keys.has(`val_${key}`) ? [`val_${key}`] : [])];
    const duplicate =
      loss !== undefined &&
      key !== loss &&
      same(key, loss) &&
      (!keys.has(`val_${key}`) || (keys.has(`val_${loss}`) && same(`val_${key}`, `val_${loss}`)));
    if (duplicate) {
      const lossChart = charts.find((c) => c.title === loss);
      if (lossChart !== undefined) lossChart.title = `${loss} (= ${key})`;
      continue;
    }
    charts.push(chart(key, withVal));
  }
  for (const key of keys) {
    if (key.startsWith("val_") && !keys.has(key.slice(4))) charts.push(chart(key, [key]));
  }
  if (keys.has("lr")) charts.push(chart("learning rate", ["lr"], true));
  return charts;
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

export function factsTable(facts: Readonly<Record<string, unknown>>): string {
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
  const test =
    data.test === undefined
      ? ""
      : `<h2>Test</h2>${factsTable(Object.fromEntries(Object.entries(data.test).map(([key, value]) => [key, formatValue(value)])))}`;
  const confusion =
    data.confusion === undefined
      ? ""
      : `<h2>Confusion matrix (test)</h2><div class="scroll">${confusionTable(data.confusion)}</div>`;
  const facts = data.facts === undefined ? "" : `<h2>Run</h2>${factsTable(data.facts)}`;
  const summary = data.summary === undefined ? "" : `<h2>Model</h2><pre>${escapeHtml(data.summary)}</pre>`;
  return chartPage({
    title: data.title,
    chartsHeading: "Training curves",
    charts: historyCharts(data.history),
    sections: [test, confusion, facts, summary].join("\n"),
  });
}
