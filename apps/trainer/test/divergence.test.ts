/*
 * Divergence: a NaN or ±Infinity in the loss (checked before the update), a gradient or an updated
 * weight (checked in the optimizer's update pass) stops training at once with a message naming the
 * epoch, the step, the layer and the parameter; the last good checkpoint is kept, never replaced by a
 * diverged state; the CLI does this by default.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { datasetOnBackend, xor } from "@backprop/data";
import { mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { Optimizer, sgd } from "@backprop/optimizers";
import { type Backend, evaluate, lazy, type Tensor } from "@backprop/tensor";
import { expectProjectBackend, projectBackend } from "@backprop/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Callback } from "../src/callback.js";
import { ModelCheckpoint } from "../src/node-callbacks.js";
import { loadLatestCheckpoint, RUN_FILES } from "../src/run-dir.js";
import { Trainer, type TrainerLoss } from "../src/trainer.js";

/*
 * These run as the vitest projects js, wasm and opaque (model, data and optimizer state on the
 * project's backend: the guard reads tensors only through the tensor API); the CLI's side is in
 * divergence-cli.test.ts.
 */
let dir: string;
let backend: Backend;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "backprop-divergence-"));
  backend = await projectBackend();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Cross-entropy whose gradient ∂E/∂y turns NaN from the `at`-th call on (1-based), or, with `poison`
 * "loss", whose value turns infinite, or, with "huge", whose gradient is scaled by 10^36 (finite, but
 * one SGD update with it overflows float32 weights).
 */
function poisonedLoss(at: number, poison: "gradient" | "loss" | "huge" = "gradient"): TrainerLoss {
  const inner = new CrossEntropyLoss();
  let calls = 0;
  return {
    forward(prediction, target) {
      calls++;
      const loss = inner.forward(prediction, target);
      return poison === "loss" && calls >= at ? Number.POSITIVE_INFINITY : loss;
    },
    backward(out?: Tensor) {
      const delta = inner.backward(out);
      if (calls >= at && poison === "gradient") delta.write([Number.NaN], 1);
      if (calls >= at && poison === "huge")
        evaluate({ shape: delta.size, assign: [[delta, lazy(delta).mul(1e36)]] });
      return delta;
    },
  };
}

/** A 2-4-2 tanh network (layers 0 Dense, 1 Tanh, 2 Dense) on 64 XOR points in 4 batches of 16. */
function setup(loss: TrainerLoss, lr = 0.05) {
  const model = mlp({ sizes: [2, 4, 2], activation: "tanh", seed: 1, backend });
  expectProjectBackend(model.parameters()[0]!.value.backend);
  const trainer = new Trainer({ model, loss, optimizer: new Optimizer(sgd({ lr }), model.parameters()) });
  return { model, trainer, data: datasetOnBackend(xor({ samples: 64, rng: 2 }), backend) };
}

type Model = ReturnType<typeof setup>["model"];

const finite = (model: Model) => model.parameters().every((p) => p.value.read().every(Number.isFinite));

const values = (model: Model) => model.parameters().map((p) => Array.from(p.value.read()));

/** A callback that keeps every parameter's values as they are after optimizer step `step`. */
function valuesAfterStep(model: Model, step: number) {
  const kept = { values: [] as number[][] };
  const callback: Callback = {
    onBatchEnd: (logs) => {
      if (logs.step === step) kept.values = values(model);
    },
  };
  return { kept, callback };
}

describe("divergence", () => {
  it("a NaN gradient stops training at its step, naming the epoch, step, layer and parameter", async () => {
    const { model, trainer, data } = setup(poisonedLoss(7)); // step 7 = epoch 2, batch 3
    const afterStep6 = valuesAfterStep(model, 6);
    const result = await trainer.fit(data, { epochs: 5, batchSize: 16, callbacks: [afterStep6.callback] });
    expect(result.status).toBe("failed");
    expect(result.reason).toBe(
      'training diverged at epoch 2, step 7: gradient of "2.bias" (layer 2, Dense) has NaN',
    );
    expect(result.history).toHaveLength(1);
    // The check is part of the update's pass, so step 7 reached the weights in memory (NaN where the
    // poisoned element went), and nothing after it ran.
    const last = model.parameters().at(-1)!;
    expect(afterStep6.kept.values.at(-1)!.every(Number.isFinite)).toBe(true);
    expect(Number.isNaN(last.value.read()[1]!)).toBe(true);
  });

  it("an infinite loss stops training before the update", async () => {
    const { model, trainer, data } = setup(poisonedLoss(3, "loss"));
    const afterStep2 = valuesAfterStep(model, 2);
    const result = await trainer.fit(data, { epochs: 2, batchSize: 16, callbacks: [afterStep2.callback] });
    expect(result.reason).toBe("training diverged at epoch 1, step 3: the loss is Infinity");
    expect(values(model)).toEqual(afterStep2.kept.values);
  });

  it("weights that overflow in an update stop training too, before any checkpoint could hold them", async () => {
    const { model, trainer, data } = setup(poisonedLoss(2, "huge"), 1e4);
    const result = await trainer.fit(data, { epochs: 3, batchSize: 16 });
    expect(result.status).toBe("failed");
    expect(result.reason).toMatch(
      /^training diverged at epoch 1, step 2: weight of "2\.(weight|bias)" \(layer 2, Dense\) has -?Infinity$/,
    );
    expect(finite(model)).toBe(false);
  });

  it("can be turned off (checkFinite: false): training then runs on with NaN", async () => {
    const { trainer, data } = setup(poisonedLoss(2));
    const result = await trainer.fit(data, { epochs: 2, batchSize: 16, checkFinite: false });
    expect(result.status).toBe("completed");
  });

  it("keeps the last good checkpoint: nothing of the diverged epoch is written", async () => {
    const runDir = join(dir, "kept");
    const { trainer, data } = setup(poisonedLoss(11)); // epoch 3, batch 3; checkpoints after epochs 1 and 2
    const result = await trainer.fit(data, {
      epochs: 5,
      batchSize: 16,
      callbacks: [new ModelCheckpoint(runDir)],
    });
    expect(result.status).toBe("failed");
    const files = await readdir(join(runDir, RUN_FILES.checkpoints));
    expect(files.filter((f) => !f.startsWith(".")).sort()).toEqual([
      "epoch-0001.json",
      "epoch-0001.optimizer.safetensors",
      "epoch-0001.safetensors",
      "epoch-0002.json",
      "epoch-0002.optimizer.safetensors",
      "epoch-0002.safetensors",
      "latest.json",
    ]);
    const checkpoint = await loadLatestCheckpoint(runDir);
    expect(checkpoint.state.epoch).toBe(2);
    for (const t of checkpoint.tensors.values()) expect(t.read().every(Number.isFinite)).toBe(true);
    for (const t of checkpoint.optimizerTensors.values()) expect(t.data.every(Number.isFinite)).toBe(true);
  });
});
