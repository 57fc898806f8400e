import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { renderReport } from "../src/report.js";

/** Debian's chromium (apt-get install chromium); the test is skipped where it is not installed. */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));

describe.skipIf(CHROMIUM === undefined)("HTML report in a headless browser", () => {
  it("renders one uPlot chart per metric, offline, without script errors", async () => {
    const { chromium } = await import("playwright-core");
    const dir = await mkdtemp(join(tmpdir(), "backprop-report-"));
    const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"] });
    try {
      const file = join(dir, "report.html");
      await writeFile(
        file,
        renderReport({
          title: "browser check",
          history: [1, 2, 3].map((epoch) => ({
            epoch,
            step: epoch * 10,
            loss: 1 / epoch,
            accuracy: 0.5 + epoch / 10,
            val_loss: 1.1 / epoch,
            lr: 0.001,
          })),
          confusion: {
            matrix: [
              [5, 1],
              [2, 4],
            ],
            classNames: ["a", "b"],
          },
        }),
      );
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.route("**/*", (route) =>
        route.request().url().startsWith("file:") ? route.continue() : route.abort(),
      );
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector("body[data-charts]");
      expect(errors).toEqual([]);
      expect(await page.getAttribute("body", "data-charts")).toBe("3");
      expect(await page.locator(".chart .uplot canvas").count()).toBe(3);
      expect(await page.locator("table.confusion td").first().textContent()).toBe("5");
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("is readable at 420 px: legends without placeholders, whole-number epochs, a log lr axis, no duplicate mse chart, a log-scale toggle", async () => {
    const { chromium } = await import("playwright-core");
    const dir = await mkdtemp(join(tmpdir(), "backprop-report-"));
    const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"] });
    try {
      const file = join(dir, "report.html");
      // A regression run whose loss is the mse: the mse chart would repeat the loss chart.
      const history = Array.from({ length: 7 }, (_, i) => {
        const epoch = i + 1;
        return {
          epoch,
          step: epoch * 5,
          loss: 4 / epoch,
          mse: 4 / epoch,
          val_loss: 5 / epoch,
          val_mse: 5 / epoch,
          r2: 1 - 1 / epoch,
          lr: 0.002 * 0.5 ** i,
        };
      });
      await writeFile(
        file,
        renderReport({
          title: "a regression run with a rather long name to wrap",
          history,
          facts: {
            data: "csv:/a/very/long/path/to/some/housing-data-file-with-a-long-name.csv",
            model: "13-256-128-1 relu",
          },
          summary: "Sequential\n  Dense(13 → 256)",
        }),
      );
      const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector("body[data-charts]");
      expect(errors).toEqual([]);
      const titles = await page
        .locator(".chart")
        .evaluateAll((boxes) => boxes.map((b) => b.getAttribute("data-metric")));
      expect(titles).toEqual(["loss (= mse)", "r2", "learning rate"]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
      const legends = await page.locator(".u-legend").allTextContents();
      expect(legends.length).toBe(3);
      for (const legend of legends) expect(legend).not.toContain("--");
      type Plot = { axes: { _splits?: number[] }[]; scales: { y: { distr: number } } };
      const charts = () =>
        page.evaluate(() =>
          (window as unknown as { backpropCharts: Plot[] }).backpropCharts.map((u) => ({
            epochTicks: u.axes[0]!._splits ?? [],
            logY: u.scales.y.distr === 3,
          })),
        );
      const drawn = await charts();
      for (const chart of drawn) {
        expect(chart.epochTicks.length).toBeGreaterThan(1);
        for (const tick of chart.epochTicks) expect(Number.isInteger(tick)).toBe(true);
      }
      expect(drawn.map((c) => c.logY)).toEqual([false, false, true]);
      await page.screenshot({ path: join(tmpdir(), "backprop-report-420.png"), fullPage: true });
      await page.check("#log-scale");
      await page.waitForFunction(() => document.querySelectorAll(".chart").length === 3);
      // r2 starts at 0 (not positive), so it stays linear; the others switch to log.
      expect((await charts()).map((c) => c.logY)).toEqual([true, false, true]);
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
