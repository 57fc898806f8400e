import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describeError, TrainerError } from "./errors.js";

/*
 * Line charts for the trainer's self-contained HTML pages (report, compare, lr-find): uPlot inlined,
 * no network. Each chart: whole-number ticks on an epoch axis, powers of ten on a log axis, legends
 * that name the series (no "--" value placeholders), a page-wide "log scale" toggle for the y axes,
 * and widths that fit the viewport (readable at 420 px).
 */

/** One chart: x values, and series over them (null: no value at that x). */
export interface ChartSpec {
  title: string;
  xLabel: string;
  /** "epoch": whole-number ticks; "log": a log-scaled x (learning rates). */
  xAxis: "epoch" | "log";
  x: readonly number[];
  series: readonly { label: string; values: readonly (number | null)[] }[];
  /** The y axis starts log-scaled (learning rates); the page toggle switches every chart. */
  logY?: boolean | undefined;
  /** A marked x value (lr-find's suggestion), drawn as a vertical line. */
  markX?: number | undefined;
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

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element (no `</script>`, no HTML comment openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The finite numbers of `values`, others as null (uPlot's gaps). */
export function finiteOrNull(values: readonly unknown[]): (number | null)[] {
  return values.map((v) => (typeof v === "number" && Number.isFinite(v) ? v : null));
}

const PAGE_STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1000px; padding: 0 12px; color: #222; }
h1 { font-size: 22px; overflow-wrap: anywhere; } h2 { font-size: 17px; margin-top: 28px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #ddd; border-radius: 6px; padding: 8px; max-width: 100%; box-sizing: border-box; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; } th, td { padding: 3px 8px; border: 1px solid #ddd; text-align: right; }
table.facts th { text-align: left; background: #f6f6f6; } table.facts td { overflow-wrap: anywhere; text-align: left; }
table.confusion td, table.confusion th { min-width: 2.5em; }
pre { background: #f6f6f6; padding: 12px; overflow-x: auto; }
label.toggle { display: inline-block; margin: 4px 0 10px; user-select: none; }
`;

/** A whole page: title, the charts (under `chartsHeading`), then `sections` (HTML). */
export function chartPage(options: {
  title: string;
  chartsHeading: string;
  charts: readonly ChartSpec[];
  sections: string;
}): string {
  const { script, style } = uplotAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} · backprop</title>
<style>${style}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>${escapeHtml(options.title)}</h1>
<h2>${escapeHtml(options.chartsHeading)}</h2>
<label class="toggle"><input type="checkbox" id="log-scale"> log-scale y axes</label>
<div class="charts" id="charts"></div>
${options.sections}
<script>${script}</script>
<script id="chart-data" type="application/json">${scriptJson(options.charts)}</script>
<script>${CLIENT}</script>
</body>
</html>
`;
}

/**
 * The page's script: draws every chart, redraws them all when the log-scale toggle or the width
 * changes. `window.backpropCharts` exposes the uPlot instances (the browser tests read them).
 */
const CLIENT = `(function () {
  var charts = JSON.parse(document.getElementById("chart-data").textContent);
  var colors = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#4e342e", "#ad1457"];
  var root = document.getElementById("charts");
  var toggle = document.getElementById("log-scale");
  var plots = [];
  function number(v) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
    var e = Math.floor(Math.log10(a)), m = Number((v / Math.pow(10, e)).toPrecision(2));
    return (m === 1 ? "" : m === -1 ? "-" : m + "·") + "1e" + e;
  }
  /** Tick labels: every tick on a linear axis; on a log axis only the powers of ten (uPlot passes null for hidden ticks). */
  function labels(log) {
    return function (u, ticks) {
      return ticks.map(function (v) {
        if (v === null || v === undefined) return "";
        if (!log) return number(v);
        var e = Math.log10(Math.abs(v));
        return Math.abs(e - Math.round(e)) < 1e-9 ? number(v) : "";
      });
    };
  }
  function positive(values) { return values.every(function (v) { return v === null || v > 0; }); }
  function draw() {
    plots.forEach(function (p) { p.destroy(); });
    plots = [];
    root.innerHTML = "";
    var width = Math.max(240, Math.min(460, root.clientWidth - 18));
    charts.forEach(function (chart) {
      var box = document.createElement("div");
      box.className = "chart";
      box.setAttribute("data-metric", chart.title);
      root.appendChild(box);
      var logY = (toggle.checked || chart.logY === true) && chart.series.every(function (s) { return positive(s.values); });
      var epochs = chart.xAxis === "epoch";
      var plugins = chart.markX === undefined ? [] : [{ hooks: { draw: function (u) {
        var x = u.valToPos(chart.markX, "x", true), ctx = u.ctx;
        ctx.save(); ctx.strokeStyle = "#c62828"; ctx.setLineDash([5, 4]); ctx.beginPath();
        ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke(); ctx.restore();
      } } }];
      var plot = new uPlot({
        title: chart.title,
        width: width,
        height: 240,
        legend: { live: false },
        plugins: plugins,
        scales: { x: epochs ? { time: false } : { time: false, distr: 3 }, y: logY ? { distr: 3 } : {} },
        axes: [
          epochs
            ? { label: chart.xLabel, incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000], values: function (u, ticks) { return ticks.map(String); } }
            : { label: chart.xLabel, values: labels(true) },
          { size: 64, values: labels(logY) },
        ],
        series: [{ label: chart.xLabel }].concat(chart.series.map(function (s, i) {
          return { label: s.label, stroke: colors[i % colors.length], width: 2, points: { show: chart.x.length < 60 } };
        })),
      }, [chart.x].concat(chart.series.map(function (s) { return s.values; })), box);
      plots.push(plot);
    });
    window.backpropCharts = plots;
    document.body.setAttribute("data-charts", String(plots.length));
  }
  toggle.addEventListener("change", draw);
  var lastWidth = root.clientWidth;
  window.addEventListener("resize", function () { if (root.clientWidth !== lastWidth) { lastWidth = root.clientWidth; draw(); } });
  draw();
})();`;
