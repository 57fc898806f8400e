import { describe, expect, it } from "vitest";
import { renderReport } from "./report.js";

describe("renderReport", () => {
  const html = renderReport({
    title: "run </script><b>",
    history: [
      { epoch: 1, step: 10, loss: 1.2, accuracy: 0.5, val_loss: 1.3, val_accuracy: 0.45, lr: 0.001, time: 1 },
      {
        epoch: 2,
        step: 20,
        loss: 0.8,
        accuracy: 0.7,
        val_loss: Number.NaN,
        val_accuracy: 0.6,
        lr: 0.001,
        time: 1,
      },
    ],
    test: { loss: 0.9, accuracy: 0.66 },
    confusion: {
      matrix: [
        [3, 1],
        [0, 2],
      ],
      classNames: ["cat", "dog"],
    },
    facts: { optimizer: "adam" },
  });

  it("is self-contained: uPlot and its CSS inline, nothing loaded from elsewhere", () => {
    expect(html).toMatch(/<script>[^<]*uPlot/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[\s>]|@import|url\(/);
  });

  it("charts each metric with its validation twin, and the learning rate (log-scaled)", () => {
    const charts = JSON.parse(
      /<script id="chart-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!,
    ) as { title: string; series: { label: string; values: unknown[] }[]; logY: boolean }[];
    expect(charts.map((c) => [c.title, c.series.map((s) => s.label), c.logY])).toEqual([
      ["loss", ["loss", "val_loss"], false],
      ["accuracy", ["accuracy", "val_accuracy"], false],
      ["learning rate", ["lr"], true],
    ]);
    expect(charts[0]!.series[1]!.values).toEqual([1.3, null]);
  });

  it("escapes text and shows the confusion matrix with per-class recall", () => {
    expect(html).toContain("run &#60;/script&#62;&#60;b&#62;");
    expect(html).toContain('<tr><th>cat</th><td style="background:rgba(46,125,50,0.850)">3</td>');
    expect(html).toContain('<td class="recall">75.0%</td>');
  });
});
