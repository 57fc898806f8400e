import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spiral } from "@backprop/data";
import { decodeSafetensors, mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { adam, Optimizer, type OptimizerStateDict, reduceLrOnPlateau } from "@backprop/optimizers";
import { Rng } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import type { Callback } from "../src/callback.js";
import { EarlyStopping, ReduceLROnPlateau } from "../src/callbacks.js";
import { parseTrainConfig } from "../src/config.js";
import { ModelCheckpoint } from "../src/node-callbacks.js";
import { runTraining } from "../src/run.js";
import { loadLatestCheckpoint, RUN_FILES } from "../src/run-dir.js";
import { Trainer } from "../src/trainer.js";
import { useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-resume-");

/** A fresh model, optimizer (with a plateau schedule in its state) and callbacks, all seeded alike. */
function setup() {
  const model = mlp({ sizes: [2, 24, 24, 3], activation: "relu", rng: new Rng(11) });
  const schedule = reduceLrOnPlateau({ lr: 0.02, factor: 0.5, patience: 0 });
  const trainer = new Trainer({
    model,
    loss: new CrossEntropyLoss(),
    optimizer: new Optimizer(adam({ lr: schedule }), model.parameters()),
    metrics: ["accuracy"],
    schedule,
    scheduleInterval: "none",
  });
  const callbacks = [
    new EarlyStopping({ monitor: "val_loss", patience: 50 }),
    new ReduceLROnPlateau(schedule, { monitor: "loss" }),
  ];
  return { trainer, model, callbacks };
}

const weights = (model: ReturnType<typeof setup>["model"]) =>
  model.parameters().map((p) => Array.from(p.value.data));

describe("resume", () => {
  const data = spiral({ samplesPerClass: 60, rng: 1 });
  const validation = spiral({ samplesPerClass: 20, rng: 2 });
  const fit = { epochs: 5, batchSize: 16, validation };

  it("continues a run interrupted mid-epoch to bitwise the same weights, history and optimizer state", async () => {
    const full = setup();
    const fullResult = await full.trainer.fit(data, { ...fit, seed: new Rng(3), callbacks: full.callbacks });

    const runDir = join(temp.path, "mid-epoch");
    const first = setup();
    const controller = new AbortController();
    const abortAt: Callback = {
      onBatchEnd(logs) {
        if (logs.epoch === 2 && logs.batch === 4) controller.abort();
      },
    };
    const interrupted = await first.trainer.fit(data, {
      ...fit,
      seed: new Rng(3),
      signal: controller.signal,
      callbacks: [...first.callbacks, abortAt, new ModelCheckpoint(runDir)],
    });
    expect(interrupted.status).toBe("interrupted");
    expect(interrupted.history).toHaveLength(2);

    const checkpoint = await loadLatestCheckpoint(runDir);
    expect(checkpoint.state.epoch).toBe(2);
    const second = setup();
    const resumed = await second.trainer.fit(data, {
      ...fit,
      seed: new Rng(3),
      callbacks: second.callbacks,
      resume: checkpoint,
    });

    expect(resumed.status).toBe("completed");
    expect(weights(second.model)).toEqual(weights(full.model));
    const strip = (h: typeof resumed.history) => h.map(({ time, samplesPerSecond, ...rest }) => rest);
    expect(strip(resumed.history)).toEqual(strip(fullResult.history));
    const optimizerState = (t: Trainer) => (t.optimizer as Optimizer).stateDict();
    expect(optimizerState(second.trainer)).toEqual(optimizerState(full.trainer));
  });

  it("stores the optimizer's buffers as binary tensors beside the weights, and still reads a version-1 checkpoint", async () => {
    const runDir = join(temp.path, "mid-epoch");
    const checkpoints = join(runDir, "checkpoints");
    const { name } = JSON.parse(await readFile(join(checkpoints, "latest.json"), "utf8")) as { name: string };
    const text = await readFile(join(checkpoints, `${name}.json`), "utf8");
    const file = JSON.parse(text) as { version: number; weights: unknown; state: Record<string, unknown> };
    expect(file.version).toBe(2);
    // No per-parameter numbers in the JSON: Adam's m and v are references into the optimizer file.
    expect(text).not.toMatch(/\[(-?[\d.e-]+,){20}/);
    const optimizerFile = join(checkpoints, `${name}.optimizer.safetensors`);
    const { tensors } = decodeSafetensors(new Uint8Array(await readFile(optimizerFile)));
    expect([...tensors.keys()].filter((k) => k.startsWith("state[0].mu."))).toHaveLength(6);

    // The same checkpoint as version 1 wrote it: the optimizer state as JSON numbers, no optimizer file.
    const current = await loadLatestCheckpoint(runDir);
    const restored = setup();
    const optimizer = restored.trainer.optimizer as Optimizer;
    optimizer.loadState(current.state.optimizer as OptimizerStateDict, current.optimizerTensors);
    const v1 = {
      format: "backprop.checkpoint",
      version: 1,
      weights: file.weights,
      state: { ...file.state, optimizer: optimizer.stateDict() },
    };
    await writeFile(join(checkpoints, `${name}.json`), JSON.stringify(v1));
    await rm(optimizerFile);
    const old = await loadLatestCheckpoint(runDir);
    expect(old.optimizerTensors.size).toBe(0);
    const full = setup();
    await full.trainer.fit(data, { ...fit, seed: new Rng(3), callbacks: full.callbacks });
    const resumed = setup();
    await resumed.trainer.fit(data, { ...fit, seed: new Rng(3), callbacks: resumed.callbacks, resume: old });
    expect(weights(resumed.model)).toEqual(weights(full.model));
  });

  it("detects a damaged checkpoint", async () => {
    const runDir = join(temp.path, "mid-epoch");
    const latest = JSON.parse(await readFile(join(runDir, "checkpoints", "latest.json"), "utf8")) as {
      name: string;
    };
    const weightsFile = join(runDir, "checkpoints", `${latest.name}.safetensors`);
    const bytes = await readFile(weightsFile);
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(weightsFile, bytes);
    await expect(loadLatestCheckpoint(runDir)).rejects.toThrow(/checkpoint weights file .* is damaged/);
  });

  it("runTraining paused after an epoch and resumed writes the same final model as an uninterrupted run, Dropout included", async () => {
    const config = parseTrainConfig(
      {
        dataset: "spiral",
        samples: 240,
        hidden: [16, 16],
        dropout: 0.2,
        epochs: 4,
        batchSize: 16,
        learningRate: 0.01,
        backend: "js",
        outDir: temp.path,
      },
      "test",
    );
    const full = await runTraining({ ...config, name: "full" });
    expect(full.status).toBe("completed");
    const paused = await runTraining({ ...config, name: "paused" }, { stopAfterEpoch: 2 });
    expect(paused.status).toBe("interrupted");
    expect(paused.history).toHaveLength(2);
    await expect(runTraining({ ...config, name: "paused" })).rejects.toThrow(
      /already exists and is not empty; pass --force/,
    );
    const resumed = await runTraining(undefined, { resume: paused.runDir });
    expect(resumed.status).toBe("completed");
    expect(resumed.history).toHaveLength(4);
    expect(resumed.test).toEqual(full.test);
    const model = (run: string) => readFile(join(run, RUN_FILES.model, "model.safetensors"));
    expect(Buffer.compare(await model(resumed.runDir), await model(full.runDir))).toBe(0);
    const lines = (await readFile(join(resumed.runDir, RUN_FILES.metrics), "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { epoch: number }).epoch)).toEqual([1, 2, 3, 4]);
  });
});
