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
});
