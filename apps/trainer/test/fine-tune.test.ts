import { join } from "node:path";
import { Rng } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { buildModel } from "../src/build.js";
import { parseTrainConfig } from "../src/config.js";
import { initWeightsFrom } from "../src/init-from.js";
import { loadTrainedModel } from "../src/model-io.js";
import type { RunResult } from "../src/run.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-fine-tune-");

const RECIPE = ["--dataset", "spiral", "--samples", "300", "--hidden", "16,16", "--batch-size", "16"];
const common = () => ["--backend", "js", "--lr", "0.01", "--out-dir", temp.path, "--json"];

async function train(...flags: string[]): Promise<RunResult & { stderr: string }> {
  const { code, stdout, stderr } = await runCliInProcess("train", ...RECIPE, ...common(), ...flags);
  expect(code, stderr).toBe(0);
  return { ...(JSON.parse(stdout) as RunResult), stderr };
}

describe("--init-from", () => {
  it("starts a new run from a finished run's weights (fine-tuning)", async () => {
    const base = await train("--epochs", "30", "--name", "base", "-q");
    const fresh = await train("--epochs", "1", "--name", "fresh", "-q");
    const tuned = await train("--epochs", "1", "--name", "tuned", "--init-from", base.runDir);
    expect(tuned.stderr).toContain(`initial weights from ${join(base.runDir, "model", "model.safetensors")}`);
    // Its first epoch starts where the base run ended: far below a fresh run's first epoch.
    expect(tuned.history[0]!.loss).toBeLessThan(fresh.history[0]!.loss! * 0.6);
    expect(tuned.history[0]!.loss).toBeLessThan(base.history[0]!.loss! * 0.6);
  });

  it("loads the weights exactly, from a run, a model directory or a safetensors file", async () => {
    const run = join(temp.path, "base");
    const saved = await loadTrainedModel(run);
    const config = parseTrainConfig({ hidden: [16, 16] }, "test");
    for (const path of [run, join(run, "model"), join(run, "model", "model.safetensors")]) {
      const model = buildModel(config, 2, 3, { rng: new Rng(99) });
      await initWeightsFrom(model, path, model.parameters()[0]!.value.backend);
      model.parameters().forEach((p, i) => {
        expect(Array.from(p.value.read())).toEqual(Array.from(saved.model.parameters()[i]!.value.read()));
      });
    }
  });

  it("refuses another architecture or a missing path, naming the tensor and the shapes", async () => {
    const other = await runCliInProcess(
      ...[
        "train",
        ...RECIPE,
        ...common(),
        "--hidden",
        "8",
        "--name",
        "other",
        "--init-from",
        join(temp.path, "base"),
      ],
    );
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/model\.safetensors.*0\.weight|0\.weight.*model\.safetensors/);
    const missing = await runCliInProcess(
      "train",
      ...RECIPE,
      ...common(),
      "--init-from",
      join(temp.path, "nope"),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--init-from .*nope: no such file or directory/);
  });
});
