import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_FILES } from "../src/run-dir.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-config-");

const TINY = ["--dataset", "xor", "--samples", "64", "--hidden", "4", "--epochs", "2", "--batch-size", "16"];

describe("configurations", () => {
  it("train --config accepts a run's own config.json (its backend included) and runs the same recipe", async () => {
    const first = await runCliInProcess("train", ...TINY, "--out-dir", temp.path, "--name", "a", "-q");
    expect(first.code, first.stderr).toBe(0);
    const saved = JSON.parse(await readFile(join(temp.path, "a", RUN_FILES.config), "utf8")) as {
      backend: string;
      config: Record<string, unknown>;
    };
    const again = await runCliInProcess(
      ...["train", "--config", join(temp.path, "a", RUN_FILES.config), "--name", "b", "-q"],
    );
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(await readFile(join(temp.path, "b", RUN_FILES.config), "utf8")) as typeof saved;
    expect(second.config).toEqual({ ...saved.config, name: "b" });
    const model = (run: string) => readFile(join(temp.path, run, RUN_FILES.model, "model.safetensors"));
    expect(Buffer.compare(await model("b"), await model("a"))).toBe(0);
  });

  it('a config file may name the exact backend a run records ("wasm-simd")', async () => {
    const recipe = join(temp.path, "recipe.json");
    await writeFile(recipe, JSON.stringify({ dataset: "xor", backend: "wasm-simd", hidden: [4] }));
    const printed = await runCliInProcess("config", "print", "--config", recipe);
    expect(printed.code, printed.stderr).toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({ dataset: "xor", backend: "wasm", hidden: [4] });
    await writeFile(recipe, JSON.stringify({ backend: "cuda" }));
    const bad = await runCliInProcess("config", "print", "--config", recipe);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"backend" must be one of auto, js, wasm, got "cuda"/);
  });

  it("config print shows the resolved configuration: defaults, then the file, then the flags", async () => {
    const recipe = join(temp.path, "lr.json");
    await writeFile(recipe, JSON.stringify({ learningRate: 0.05, hidden: [8, 8] }));
    const { code, stdout, stderr } = await runCliInProcess(
      ...["config", "print", "--config", recipe, "--lr", "0.01", "--dataset", "spiral"],
    );
    expect(code, stderr).toBe(0);
    const config = JSON.parse(stdout) as Record<string, unknown>;
    expect(config).toMatchObject({
      dataset: "spiral",
      learningRate: 0.01,
      hidden: [8, 8],
      optimizer: "adam",
      schedule: "cosine",
      activation: "relu",
      seed: 0,
    });
    const usage = await runCliInProcess("config", "print", "--lr", "fast");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--lr/);
  });
});
