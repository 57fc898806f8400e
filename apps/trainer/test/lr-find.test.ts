import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { LrFindReport } from "../src/lr-find.js";
import { RangeTestRecorder, rangeTestSchedule } from "../src/lr-range-test.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));

const temp = useTempDir("backprop-lr-find-");

describe("the range test's arithmetic (fastai's lr_find)", () => {
  it("sweeps exponentially from the start rate to the end rate", () => {
    const sweep = rangeTestSchedule({ startLr: 1e-6, endLr: 1, steps: 7 });
    expect(sweep.lrAt(0)).toBe(1e-6);
    expect(sweep.lrAt(6)).toBeCloseTo(1, 12);
    expect(sweep.lrAt(3)).toBeCloseTo(1e-3, 15);
    expect(sweep.lrAt(1) / sweep.lrAt(0)).toBeCloseTo(10, 10);
  });

  it("smooths with debiasing: a constant loss stays that constant; [1, 2] gives (0.98·0.02 + 0.04) / (1 − 0.98²)", () => {
    const constant = new RangeTestRecorder();
    for (let i = 0; i < 50; i++) constant.record(1e-3 * 1.1 ** i, 0.7);
    for (const s of constant.result().smoothed) expect(s).toBeCloseTo(0.7, 12);
    const two = new RangeTestRecorder();
    two.record(1e-3, 1);
    two.record(1e-2, 2);
    expect(two.result().smoothed).toEqual([1, expect.closeTo((0.98 * 0.02 + 0.04) / (1 - 0.98 ** 2), 14)]);
  });

  it("stops when the smoothed loss passes 4× its best, or is not finite", () => {
    const recorder = new RangeTestRecorder();
    for (let i = 0; i < 20; i++) expect(recorder.record(1e-4, 1)).toBe(true);
    // a = 0.98·(1 − 0.98^20) + 0.02·100; smoothed = a / (1 − 0.98^21) ≈ 6.7 > 4
    expect(recorder.record(1e-3, 100)).toBe(false);
    expect(recorder.result().diverged).toBe(true);
    const nan = new RangeTestRecorder();
    expect(nan.record(1e-4, Number.NaN)).toBe(false);
  });

  it("suggests the steepest descent of the smoothed loss in log η, and the minimum's rate / 10", () => {
    // A loss that falls fastest around η = 1e-3 and is lowest at η = 1e-1, recorded without noise.
    const recorder = new RangeTestRecorder();
    const sweep = rangeTestSchedule({ startLr: 1e-6, endLr: 10, steps: 100 });
    for (let i = 0; i < 100; i++) {
      const x = Math.log10(sweep.lrAt(i));
      recorder.record(sweep.lrAt(i), 2 - 1 / (1 + Math.exp(-4 * (x + 3))) + 0.3 * Math.max(0, x + 1) ** 2);
    }
    const { steepest, minimumOver10 } = recorder.result();
    // The smoothing (β = 0.98) delays the curve by ~1/(1 − β) = 50 steps at first, less later:
    // the suggestion lands after the raw curve's steepest point, within an order of magnitude or two.
    expect(Math.log10(steepest!)).toBeGreaterThan(-3);
    expect(Math.log10(steepest!)).toBeLessThan(-1);
    expect(minimumOver10).toBeGreaterThan(0);
    expect(minimumOver10! * 10).toBeGreaterThan(steepest!);
  });
});

describe("backprop lr-find", () => {
  it("runs the sweep on the configured net, suggests a rate and writes a page with the plot", async () => {
    const output = join(temp.path, "lr-find.html");
    const { code, stdout, stderr } = await runCliInProcess(
      ...["lr-find", "--dataset", "spiral", "--samples", "600", "--hidden", "32", "--optimizer", "sgd"],
      ...["--backend", "js", "--steps", "80", "--start-lr", "1e-5", "--output", output, "--json"],
    );
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as LrFindReport;
    expect(result.page).toBe(output);
    expect(result.lrs.length).toBeGreaterThan(10);
    expect(result.lrs.length).toBeLessThanOrEqual(80);
    expect(result.lrs[0]).toBe(1e-5);
    expect(result.steepest).toBeGreaterThan(1e-5);
    expect(result.steepest).toBeLessThan(10);
    const html = await readFile(output, "utf8");
    expect(html).toContain("steepest descent");
    const usage = await runCliInProcess("lr-find", "--start-lr", "1", "--end-lr", "0.1");
    expect(usage.code).toBe(2);
  }, 120_000);

  it("its page renders the plot in headless Chromium", async (context) => {
    if (CHROMIUM === undefined) {
      if (process.env.CI === "true") throw new Error("Chromium is needed in CI (apt-get install chromium)");
      context.skip();
    }
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 420, height: 800 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(pathToFileURL(join(temp.path, "lr-find.html")).href);
      await page.waitForSelector("body[data-charts]");
      expect(errors).toEqual([]);
      expect(await page.locator(".chart .uplot canvas").count()).toBe(1);
      await page.screenshot({ path: join(tmpdir(), "backprop-lr-find-420.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
