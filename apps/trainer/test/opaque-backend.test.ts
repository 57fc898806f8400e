import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { jsBackend } from "@backprop/tensor";
import { createOpaqueBackend } from "@backprop/tensor/testing";
import { describe, expect, it } from "vitest";
import { parseTrainConfig } from "../src/config.js";
import { runTraining } from "../src/run.js";
import { RUN_FILES } from "../src/run-dir.js";
import { useTempDir } from "./test-kit.js";

/*
 * The trainer never touches a tensor's memory directly: a whole run — data, model, Adam with global
 * norm clipping, early stopping with best weights, the divergence guard, checkpoints, a pause and a
 * resume, the final evaluation — runs on a backend whose storages have no CPU array (reading `.data`
 * throws), and gives bitwise the same files as the JS backend it wraps.
 */

const temp = useTempDir("backprop-opaque-");

const config = () =>
  parseTrainConfig(
    {
      dataset: "spiral",
      samples: 240,
      hidden: [16, 16],
      epochs: 4,
      batchSize: 16,
      learningRate: 0.01,
      clipNorm: 1,
      earlyStopping: { monitor: "val_loss", patience: 10, restoreBestWeights: true },
      backend: "js",
      outDir: temp.path,
    },
    "test",
  );

async function finalWeights(runDir: string): Promise<Buffer> {
  return readFile(join(runDir, RUN_FILES.model, "model.safetensors"));
}

describe("the trainer on an opaque-storage backend", () => {
  it("trains, pauses, resumes and evaluates bitwise like the JS backend", async () => {
    const reference = await runTraining({ ...config(), name: "js" }, { backend: jsBackend });
    const opaque = createOpaqueBackend();
    const paused = await runTraining({ ...config(), name: "opaque" }, { backend: opaque, stopAfterEpoch: 2 });
    expect(paused.status).toBe("interrupted");
    const resumed = await runTraining(undefined, { resume: paused.runDir, backend: opaque });
    expect(resumed.status).toBe("completed");
    expect(resumed.history.map((e) => e.loss)).toEqual(reference.history.map((e) => e.loss));
    expect(resumed.test).toEqual(reference.test);
    expect((await finalWeights(resumed.runDir)).equals(await finalWeights(reference.runDir))).toBe(true);
  });
});
