#!/usr/bin/env node
/**
 * Frames per second and training steps per second of the built page in headless chromium, for the
 * default net (circle, 2-4-2-1 tanh, batch 10: 25 steps an epoch), on the wasm and the JS backend at
 * 1 and 5 epochs per frame, interleaved (round-robin, 2 rounds of 6 s each). Prints a Markdown table
 * of medians over the rounds (fps, steps/s, and where a frame's time goes), with the load average. Needs `pnpm --filter @backprop/playground build` and chromium.
 */
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(executablePath)) {
  console.log(
    `playground bench: skipped, no chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM)`,
  );
  process.exit(0);
}
const dist = new URL("../dist", import.meta.url).pathname;
const { server, url } = await serve(dist, 0);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const configs = [
  { backend: "wasm", epochsPerFrame: 1 },
  { backend: "js", epochsPerFrame: 1 },
  { backend: "wasm", epochsPerFrame: 5 },
  { backend: "js", epochsPerFrame: 5 },
];
const results = configs.map(() => []);
const loads = [];
for (let round = 0; round < 2; round++) {
  for (const [i, config] of configs.entries()) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(`${url}#backend=${config.backend}&epochsPerFrame=${config.epochsPerFrame}`);
    await page.waitForFunction(() => window.playground.snapshot() !== undefined);
    await page.click("#play");
    await page.waitForTimeout(6000);
    const stats = await page.evaluate(() => ({
      ...window.playground.stats(),
      backend: document.getElementById("backend").textContent,
    }));
    results[i].push(stats);
    loads.push(Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]));
    await page.close();
  }
}
await browser.close();
server.close();
const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  `${new Date().toISOString().slice(0, 10)} · ${cpus().length} vCPU ${cpus()[0]?.model} · load average ${Math.min(...loads)}–${Math.max(...loads)}\n`,
);
console.log(
  "| backend | epochs per frame | steps per frame | fps | steps/s | draw ms/frame (page) | train ms/frame (worker) | worker ms/frame (train + snapshot) |",
);
console.log("|---|---|---|---|---|---|---|---|");
configs.forEach((config, i) => {
  const fps = median(results[i].map((r) => r.fps));
  const steps = median(results[i].map((r) => r.stepsPerSecond));
  const ms = (key) => median(results[i].map((r) => r[key])).toFixed(1);
  console.log(
    `| ${results[i][0].backend} | ${config.epochsPerFrame} | ${25 * config.epochsPerFrame} | ${fps.toFixed(1)} | ${Math.round(steps)} | ${ms("drawMs")} | ${ms("trainMs")} | ${ms("workMs")} |`,
  );
});
