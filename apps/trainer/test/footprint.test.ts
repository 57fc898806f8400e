import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * The `backprop` bin's memory on its cheap paths: --version and errors must not load datasets (the
 * built-in digits are 21 MB of JSON; loading them took --version to 157 MB RSS). The bin is bundled
 * the way tsup builds it (ESM, dynamic imports as lazy chunks) and run by plain Node, whose peak RSS
 * (process.resourceUsage().maxRSS, at exit) is the figure. A footprint check, not a speed check.
 */

const LIMIT_KB = 70 * 1024;
let dir: string;
let cli: string;
let probe: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "backprop-footprint-"));
  await build({
    entryPoints: [fileURLToPath(new URL("../src/cli.ts", import.meta.url))],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outdir: join(dir, "bin"),
    conditions: ["@backprop/source"],
    logLevel: "error",
    banner: {
      js: "import { createRequire as $cr } from 'node:module'; const require = $cr(import.meta.url);",
    },
  });
  cli = join(dir, "bin", "cli.js");
  // The digits are a chunk of their own, imported on demand.
  expect((await readdir(join(dir, "bin"))).some((f) => /^mnist-.*\.js$/.test(f))).toBe(true);
  probe = join(dir, "probe.mjs");
  await writeFile(
    probe,
    `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(process.env.RSS_FILE, String(process.resourceUsage().maxRSS)));\n`,
  );
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the bundled bin with `args`; its exit code, stderr and peak RSS in KiB. */
async function measure(...args: string[]): Promise<{ code: number; stderr: string; rssKb: number }> {
  const rssFile = join(dir, `rss-${Math.random().toString(36).slice(2)}`);
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", probe, cli, ...args],
      { cwd: dir, env: { ...process.env, RSS_FILE: rssFile, NO_COLOR: "1" } },
      (error, _stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number), stderr }),
    );
  });
  return { code, stderr, rssKb: Number(await readFile(rssFile, "utf8")) };
}

describe("the bin's footprint", () => {
  const cases: [string, string[], number, RegExp][] = [
    ["--version", ["--version"], 0, /^$/],
    ["a usage error", ["train", "-b", "0"], 2, /batch-size/],
    ["an unknown dataset", ["train", "--dataset", "nope"], 2, /--dataset must be one of/],
    ["a missing model", ["eval", "no-such-run"], 1, /no-such-run/],
    ["a missing input", ["predict", "no-such-run", "-i", "missing.csv"], 1, /missing\.csv|no-such-run/],
  ];
  for (const [what, args, code, message] of cases) {
    it(`${what}: under 70 MB RSS, no dataset loaded`, async () => {
      const run = await measure(...args);
      expect(run.stderr).toMatch(message);
      expect(run.code).toBe(code);
      expect(run.rssKb).toBeGreaterThan(0);
      expect(run.rssKb, `backprop ${args.join(" ")}: ${run.rssKb} KiB`).toBeLessThan(LIMIT_KB);
    }, 60_000);
  }
});
