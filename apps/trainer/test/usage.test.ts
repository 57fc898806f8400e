/*
 * Everyday CLI polish: exit code 2 for every usage error, messages in the CLI's own words (flags,
 * not option keys or function names), suggestions for commands users reach for, and options
 * checked before any training starts.
 */
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createProgram } from "../src/cli/program.js";
import { runCliInProcess as cli, runBackpropWith, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-usage-");

describe("exit code 2 for every usage error", () => {
  it.each([
    [["-b", "0"], "--batch-size must be an integer ≥ 1, got 0"],
    [["-b", "-5"], "error: option '-b, --batch-size <n>' argument '-5' is invalid"],
    [["--activation", "Relu"], "--activation must be one of identity, sigmoid"],
    [["--optimizer", "Adam"], "error: option '--optimizer <name>' argument 'Adam' is invalid"],
    [["--monitor", "val_loss"], "--monitor needs --early-stopping or --reduce-lr-on-plateau"],
    [["--dataset", "csv:x.csv"], "x.csv needs --target <column>"],
  ])("train %j", async (flags, message) => {
    const run = await cli("train", "--out-dir", temp.path, ...flags);
    expect(run.stderr).toContain(message);
    expect(run.code).toBe(2);
  });

  it("a bad value in a config file is an error in a file (1), not bad usage", async () => {
    const file = join(temp.path, "recipe.json");
    await writeFile(file, JSON.stringify({ batchSize: 0 }));
    const run = await cli("train", "--config", file, "--out-dir", temp.path);
    expect(run.stderr).toBe(`error: ${file}: "batchSize" must be an integer ≥ 1, got 0\n`);
    expect(run.code).toBe(1);
  });

  it("eval --split and --backend list their choices", async () => {
    const split = await cli("eval", temp.path, "--split", "tests");
    expect([split.code, split.stderr]).toEqual([
      2,
      expect.stringContaining("Allowed choices are test, validation, train"),
    ]);
    const backend = await cli("eval", temp.path, "--backend", "gpu");
    expect(backend.code).toBe(2);
  });
});

describe("the CLI speaks flags and commands, not internals", () => {
  it("evaluate and resume suggest eval and train --resume", async () => {
    const evaluate = await cli("evaluate", "runs/x");
    expect([evaluate.code, evaluate.stderr]).toEqual([
      2,
      "error: unknown command 'evaluate'; did you mean: backprop eval runs/x\n",
    ]);
    const resume = await cli("resume", "runs/x");
    expect([resume.code, resume.stderr]).toEqual([
      2,
      "error: unknown command 'resume'; did you mean: backprop train --resume runs/x\n",
    ]);
  });

  it("a CSV error names the file, line and column, not the function that read it", async () => {
    const file = join(temp.path, "bad.csv");
    await writeFile(file, "a,b,y\n1,2,0\n1,x,1\n");
    const run = await cli("train", "--dataset", `csv:${file}`, "--target", "y", "--out-dir", temp.path);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: ${file}, line 3, column "b": expected a number, got "x"\n`);
  });

  it("a missing IDX directory names --data-dir, not the option dataDir", async () => {
    const run = await cli(
      "train",
      "--dataset",
      "fashion-mnist",
      "--data-dir",
      join(temp.path, "none"),
      "--out-dir",
      temp.path,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--data-dir");
    expect(run.stderr).not.toMatch(/dataDir|loadFashionMnist/);
  });

  it("--monitor is checked before training starts (no run directory is made)", async () => {
    const run = await cli(
      "train",
      "--dataset",
      "xor",
      "--early-stopping",
      "--monitor",
      "val_acc",
      "--out-dir",
      temp.path,
      "--name",
      "monitor",
    );
    expect(run.stderr).toMatch(
      /^(chose .*\n)?error: --monitor val_acc is not logged; choose one of loss, accuracy, val_loss, val_accuracy, lr\n$/,
    );
    expect(run.code).toBe(2);
    expect(existsSync(join(temp.path, "monitor"))).toBe(false);
  });

  it("no option's help says its default twice", () => {
    const program = createProgram({ stdout: { write: () => true }, stderr: { write: () => true } }, () => {});
    for (const command of program.commands) {
      for (const option of command.options) {
        const line = command.createHelp().optionDescription(option);
        expect(
          line.match(/default/g)?.length ?? 0,
          `${command.name()} ${option.flags}: ${line}`,
        ).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe("runs go to ./runs of the directory the user started in", () => {
  it("INIT_CWD (set by pnpm and npm for the package's scripts) is where relative paths start", async () => {
    const started = await mkdtemp(join(temp.path, "started-"));
    // pnpm runs the package's scripts (`pnpm start`) in the package's own directory.
    const packageDir = fileURLToPath(new URL("..", import.meta.url));
    const name = `here-${process.pid}`;
    await writeFile(
      join(started, "points.csv"),
      "x0,x1,y\n0,0,0\n1,1,0\n0,1,1\n1,0,1\n0,0,0\n1,1,0\n0,1,1\n1,0,1\n0,0,0\n1,1,0\n",
    );
    const run = await runBackpropWith(
      { INIT_CWD: started },
      packageDir,
      "train",
      "--dataset",
      "csv:points.csv",
      "--target",
      "y",
      "--epochs",
      "1",
      "--name",
      name,
      "--quiet",
      "--backend",
      "js",
    );
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(started, "runs", name, "config.json"))).toBe(true);
    expect(existsSync(join(packageDir, "runs", name))).toBe(false);
  }, 60_000);
});

describe("the README's commands", () => {
  it("use the scoped package or pnpm exec, never `npx backprop` (an unrelated npm package)", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).not.toMatch(/^npx backprop\b/m);
    expect(readme).toMatch(/^npx @backprop\/trainer train/m);
    expect(readme).toMatch(/^pnpm exec backprop /m);
  });
});
