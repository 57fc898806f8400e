import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModelFromBytes, mlp } from "@backprop/layers";
import { BCEWithLogitsLoss } from "@backprop/losses";
import { fromArray } from "@backprop/tensor";
import { strFromU8, unzipSync } from "fflate";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { serve } from "../scripts/serve.mjs";
import type { Snapshot } from "../src/engine/protocol.js";
import type { Point } from "../src/state/datasets.js";
import { featureMatrix } from "../src/state/features.js";
import type { PlaygroundState } from "../src/state/state.js";

const here = dirname(fileURLToPath(import.meta.url));
const DIST = join(here, "..", "dist");
const CLI = join(here, "..", "..", "trainer", "dist", "cli.js");
/** Debian's chromium; the test is skipped where it is missing, except in CI (CI=true), where that fails. */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
const skip = CHROMIUM === undefined && process.env.CI !== "true";

interface PageApi {
  state(): PlaygroundState;
  data(): { train: Point[]; test: Point[]; task: string };
  snapshot(): Snapshot | undefined;
  stats(): { frames: number; fps: number; stepsPerSecond: number };
}
declare const playground: PageApi;

/** Measured on the way, written to the console for BENCHMARKS.md. */
const measured: Record<string, unknown> = {};

describe.skipIf(skip)("the playground in a headless browser", () => {
  let browser: Browser;
  let server: { close(): void };
  let url: string;
  let page: Page;
  const errors: string[] = [];

  async function open(hash: string): Promise<Page> {
    const p = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    p.on("pageerror", (error) => errors.push(error.message));
    // Offline: only the local server answers.
    await p.route("**/*", (route) =>
      route.request().url().startsWith(url) ? route.continue() : route.abort(),
    );
    await p.goto(`${url}${hash}`);
    await p.waitForFunction(() => playground.snapshot() !== undefined);
    return p;
  }

  /** Plays until the test accuracy reaches `target` (or the time runs out), then pauses; returns the stats while playing. */
  async function trainTo(
    p: Page,
    target: number,
  ): Promise<{ fps: number; stepsPerSecond: number; epoch: number }> {
    await p.click("#play");
    await p.waitForFunction((t) => (playground.snapshot()?.metrics.testAccuracy ?? 0) >= t, target, {
      timeout: 90_000,
      polling: 100,
    });
    const stats = await p.evaluate(() => playground.stats());
    await p.click("#play");
    await p.waitForTimeout(300);
    const epoch = await p.evaluate(() => playground.snapshot()!.epoch);
    return { ...stats, epoch };
  }

  beforeAll(async () => {
    for (const [file, what] of [
      [join(DIST, "index.html"), "the built playground (pnpm --filter @backprop/playground build)"],
      [CLI, "the built trainer CLI (pnpm --filter @backprop/trainer build)"],
    ] as const) {
      if (!existsSync(file))
        throw new Error(`${file} is missing: the test needs ${what}; turbo builds both before this test`);
    }
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM ?? "chromium", args: ["--no-sandbox"] });
    ({ server, url } = await serve(DIST, 0));
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    console.log(`playground browser measurements: ${JSON.stringify(measured)}`);
  });

  it("trains XOR to ≥ 95% test accuracy with the default net", async () => {
    page = await open("#dataset=xor");
    const { fps, stepsPerSecond, epoch } = await trainTo(page, 0.95);
    measured.xor = { epoch, fps: Math.round(fps * 10) / 10, stepsPerSecond: Math.round(stepsPerSecond) };
    expect((await page.evaluate(() => playground.snapshot()!.metrics.testAccuracy))!).toBeGreaterThanOrEqual(
      0.95,
    );
    expect(await page.textContent("#epoch")).toBe(epoch.toLocaleString("en-US", { minimumIntegerDigits: 6 }));
    await page.screenshot({ path: join(tmpdir(), "playground-xor.png"), fullPage: true });
    await page.close();
  }, 120_000);

  it("trains the circle to ≥ 95%, and its formula panel shows the library's forward and backward for the sample", async () => {
    page = await open("#dataset=circle&epochsPerFrame=2");
    const { fps, stepsPerSecond, epoch } = await trainTo(page, 0.95);
    measured.circle = { epoch, fps: Math.round(fps * 10) / 10, stepsPerSecond: Math.round(stepsPerSecond) };
    const backend = await page.textContent("#backend");
    measured.backend = backend;

    const sample = 3;
    await page.fill("#sample", String(sample));
    await page.press("#sample", "Enter");
    const panel = async (selector: string) => {
      await page.click(selector);
      await page.waitForFunction(() => document.querySelectorAll("#formula-table tr").length > 0);
      await page.waitForTimeout(200);
      return page.$$eval("#formula-table tr", (rows) =>
        Object.fromEntries(
          rows.map((r) => [
            (r as HTMLElement).dataset.quantity,
            Number((r.querySelector(".value") as HTMLElement).dataset.value),
          ]),
        ),
      );
    };
    const hidden = await panel('.node[data-layer="2"][data-index="1"]');
    const output = await panel('.node[data-layer="4"][data-index="0"]');
    const weight = await panel('.link[data-layer="2"][data-row="1"][data-column="3"]');

    // Export the model the panel was computed with (paused: the weights do not change).
    const download = page.waitForEvent("download");
    await page.click("#export");
    const zip = new Uint8Array(
      await (await (await download).createReadStream()).toArray().then((c) => Buffer.concat(c)),
    );
    const files = unzipSync(zip);
    const read = (name: string) => files[`playground-run/${name}`]!;
    const cli = loadModelFromBytes({
      architecture: JSON.parse(strFromU8(read("model/model.json"))),
      weights: read("model/model.safetensors"),
    });

    // The library in Node: the page's net is the CLI model with its logit row (row 1; row 0 is zero).
    const state = await page.evaluate(() => playground.state());
    const point = (await page.evaluate(() => playground.data().train))[sample]!;
    const net = mlp({ sizes: [2, 4, 2, 1], activation: "tanh", dtype: "float64" });
    const params = cli.parameters();
    net.parameters().forEach((p, i) => {
      const values = params[i]!.value.read();
      p.value.write(i >= 4 ? values.subarray(values.length / 2) : values);
    });
    expect(params[4]!.value.read().subarray(0, 2)).toEqual(new Float32Array(2));
    const x = fromArray(Float64Array.from(featureMatrix([point], state.features)), [1, 2], {
      dtype: "float64",
    });
    const t = fromArray([point.label > 0 ? 1 : 0], [1, 1], { dtype: "float64" });
    const [d1, h1, d2, h2, d3] = net.layers;
    const a2 = d1!.forward(x);
    const z2 = h1!.forward(a2);
    const a3 = d2!.forward(z2);
    const z3 = h2!.forward(a3);
    const y = d3!.forward(z3);
    const loss = new BCEWithLogitsLoss();
    const E = loss.forward(y, t);
    const delta4 = loss.backward();
    const delta3 = h2!.backward(d3!.backward(delta4));
    const delta2 = h1!.backward(d2!.backward(delta3));
    const close = (actual: number | undefined, expected: number) => expect(actual).toBeCloseTo(expected, 5);
    close(hidden.a, a2.read()[1]!);
    close(hidden.z, z2.read()[1]!);
    close(hidden.delta, delta2.read()[1]!);
    close(output.a, y.read()[0]!);
    close(output.delta, delta4.read()[0]!);
    close(output.loss, E);
    close(weight.weight, net.parameters()[2]!.value.read()[1 * 4 + 3]!);
    close(weight.grad, net.parameters()[2]!.grad.read()[1 * 4 + 3]!);
    close(weight.grad, delta3.read()[1]! * z2.read()[3]!);

    // `backprop eval` on the exported run: the page's test points, the page's accuracy.
    const dir = await mkdtemp(join(tmpdir(), "playground-export-"));
    try {
      for (const [path, bytes] of Object.entries(files)) {
        if (path.endsWith("/")) continue;
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), bytes);
      }
      const out = execFileSync(process.execPath, [CLI, "eval", ".", "--split", "train", "--json"], {
        cwd: join(dir, "playground-run"),
        encoding: "utf8",
      });
      const result = JSON.parse(out) as { samples: number; metrics: { accuracy: number } };
      const pageAccuracy = (await page.evaluate(() => playground.snapshot()!.metrics.testAccuracy))!;
      expect(result.samples).toBe(await page.evaluate(() => playground.data().test.length));
      expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0.95);
      expect(Math.abs(result.metrics.accuracy - pageAccuracy)).toBeLessThanOrEqual(1 / result.samples + 1e-9);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await page.screenshot({ path: join(tmpdir(), "playground-circle.png"), fullPage: true });
  }, 180_000);

  it("a shared link reloads to the same state, data and initial weights", async () => {
    await page.selectOption("#activation", "relu");
    await page.click('.layer-buttons button[data-action="add-neuron"]');
    await page.selectOption("#optimizer", "adam");
    await page.waitForFunction(() => playground.snapshot()?.epoch === 0);
    const shared = await page.evaluate(() => location.hash);
    const before = await page.evaluate(() => ({
      state: playground.state(),
      data: playground.data(),
      weights: playground.snapshot()!.weights,
    }));
    expect(before.state).toMatchObject({ activation: "relu", hidden: [5, 2], optimizer: "adam" });
    const other = await open(shared);
    const after = await other.evaluate(() => ({
      state: playground.state(),
      data: playground.data(),
      weights: playground.snapshot()!.weights,
    }));
    expect(after).toEqual(before);
    expect(await other.inputValue("#activation")).toBe("relu");
    expect(errors).toEqual([]);
  }, 60_000);
});
