import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "./test-kit.js";

/** Debian's chromium (apt-get install chromium); skipped where it is not installed, except in CI. */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "backprop-compare-"));
  const recipe = ["--dataset", "spiral", "--samples", "300", "--hidden", "8", "--batch-size", "32"];
  for (const [name, epochs, lr] of [
    ["slow", "3", "0.001"],
    ["fast", "5", "0.02"],
  ] as const) {
    const run = await runCliInProcess(
      ...[
        "train",
        ...recipe,
        "--epochs",
        epochs,
        "--lr",
        lr,
        "--backend",
        "js",
        "--out-dir",
        dir,
        "--name",
        name,
        "-q",
      ],
    );
    expect(run.code, run.stderr).toBe(0);
  }
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("backprop compare", () => {
  it("writes one page: the runs' curves overlaid and their final metrics side by side", async () => {
    const output = join(dir, "compare.html");
    const { code, stdout, stderr } = await runCliInProcess(
      "compare",
      join(dir, "slow"),
      join(dir, "fast"),
      "-o",
      output,
    );
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe(output);
    const html = await readFile(output, "utf8");
    expect(html).toContain("<th>slow</th><th>fast</th>");
    expect(html).toMatch(/<th>test accuracy<\/th><td>[\d.]+<\/td><td>[\d.]+<\/td>/);
    expect(html).toMatch(/<th>epochs<\/th><td>3<\/td><td>5<\/td>/);
  });

  it("refuses fewer than two runs, or a directory that is not a run", async () => {
    const one = await runCliInProcess("compare", join(dir, "slow"));
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/at least two run directories/);
    const notRun = await runCliInProcess("compare", join(dir, "slow"), tmpdir());
    expect(notRun.code).toBe(1);
    expect(notRun.stderr).toMatch(/is not a run directory with metrics/);
  });

  it("renders in headless Chromium: one chart per metric, each with every run's curves", async (context) => {
    if (CHROMIUM === undefined) {
      if (process.env.CI === "true") throw new Error("Chromium is needed in CI (apt-get install chromium)");
      context.skip();
    }
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.route("**/*", (route) =>
        route.request().url().startsWith("file:") ? route.continue() : route.abort(),
      );
      await page.goto(pathToFileURL(join(dir, "compare.html")).href);
      await page.waitForSelector("body[data-charts]");
      expect(errors).toEqual([]);
      const titles = await page
        .locator(".chart")
        .evaluateAll((boxes) => boxes.map((b) => b.getAttribute("data-metric")));
      expect(titles).toEqual(expect.arrayContaining(["loss", "accuracy", "learning rate"]));
      const legend = await page.locator(".chart[data-metric=loss] .u-legend").textContent();
      for (const label of ["slow loss", "slow val_loss", "fast loss", "fast val_loss"])
        expect(legend).toContain(label);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
      await page.screenshot({ path: join(tmpdir(), "backprop-compare-420.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
