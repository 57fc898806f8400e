import {
  type ClassificationDataset,
  datasetOnBackend,
  StandardScaler,
  spiral,
  splitDataset,
  withFeatures,
  xor,
} from "@backprop/data";
import { mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { adam, Optimizer, reduceLrOnPlateau, sgd } from "@backprop/optimizers";
import { type Backend, fromArray, type Tensor } from "@backprop/tensor";
import { expectProjectBackend, projectBackend } from "@backprop/test-kit";
import { beforeAll, describe, expect, it } from "vitest";
import type { Callback } from "./callback.js";
import { EarlyStopping, ReduceLROnPlateau, TerminateOnNaN } from "./callbacks.js";
import type { EpochLogs } from "./history.js";
import { Trainer } from "./trainer.js";

/*
 * Runs as the vitest projects js, wasm and opaque (see vitest.config.ts): data, model, loss and
 * optimizer state live on the project's backend, so on "opaque" a trainer path that touched a
 * tensor's CPU memory directly would throw.
 */
let backend: Backend;
beforeAll(async () => {
  backend = await projectBackend();
});

/** The dataset with its features on the project's backend. */
const placed = (data: ClassificationDataset) => datasetOnBackend(data, backend);

/** A tensor's elements, read through the tensor API (the opaque backend has no `.data`). */
const values = (t: Tensor) => Array.from(t.read());

function classifier(sizes: number[], lr: number, activation: "tanh" | "relu" = "tanh") {
  const model = mlp({ sizes, activation, seed: 1, backend });
  expectProjectBackend(model.parameters()[0]!.value.backend);
  return new Trainer({
    model,
    loss: new CrossEntropyLoss(),
    optimizer: new Optimizer(adam({ lr }), model.parameters()),
    metrics: ["accuracy"],
  });
}

function scaled(data: ClassificationDataset): ClassificationDataset {
  return withFeatures(data, StandardScaler.fit(data.features).transform(data.features));
}

describe("Trainer.fit", () => {
  it("learns XOR (not linearly separable) to high accuracy", async () => {
    const trainer = classifier([2, 16, 2], 0.03);
    const { train, test } = splitDataset(placed(xor({ samples: 400, rng: 3 })), {
      test: 0.25,
      rng: 1,
      stratify: true,
    });
    const result = await trainer.fit(train, { epochs: 60, batchSize: 16, seed: 2 });
    expect(result.status).toBe("completed");
    expect(result.history).toHaveLength(60);
    expect(result.history.at(-1)!.loss!).toBeLessThan(result.history[0]!.loss!);
    expect(trainer.evaluate(test).accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it("learns the three-arm spiral to high accuracy", async () => {
    const trainer = classifier([2, 32, 32, 3], 0.02, "relu");
    const { train, test } = splitDataset(
      placed(scaled(spiral({ samplesPerClass: 200, noise: 0.1, rng: 4 }))),
      {
        test: 0.2,
        rng: 1,
        stratify: true,
      },
    );
    await trainer.fit(train, { epochs: 80, batchSize: 32, seed: 5 });
    expect(trainer.evaluate(test).accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it("predict gives one output row per input row, whatever the batch size", async () => {
    const trainer = classifier([2, 8, 2], 0.01);
    const data = placed(xor({ samples: 50 }));
    const whole = trainer.predict(data.features, { batchSize: 1000 });
    const batched = trainer.predict(data.features, { batchSize: 7 });
    expect(whole.shape).toEqual([50, 2]);
    expect(values(batched)).toEqual(values(whole));
  });

  it("validation logs get val_ keys, and callbacks see every epoch", async () => {
    const trainer = classifier([2, 8, 2], 0.01);
    const data = placed(xor({ samples: 100 }));
    const seen: EpochLogs[] = [];
    const spy: Callback = { onEpochEnd: (logs) => void seen.push(logs) };
    await trainer.fit(data, { epochs: 3, batchSize: 32, validation: data, callbacks: [spy] });
    expect(seen.map((l) => l.epoch)).toEqual([1, 2, 3]);
    expect(Object.keys(seen[0]!)).toEqual(
      expect.arrayContaining(["loss", "accuracy", "val_loss", "val_accuracy", "step"]),
    );
    expect(seen[2]!.step).toBe(12);
  });
});

describe("callbacks", () => {
  it("EarlyStopping stops after `patience` epochs without improvement and restores the best weights", async () => {
    const trainer = classifier([2, 8, 2], 0.05);
    const data = placed(xor({ samples: 200, rng: 7 }));
    // A monitored value that improves until epoch 3, then gets worse: the best weights are epoch 3's.
    const scores = [5, 4, 3, 3.5, 4, 4.5, 5, 6];
    const weightsAt: number[][] = [];
    const fake: Callback = {
      onEpochEnd(logs, context) {
        logs.score = scores[logs.epoch - 1]!;
        weightsAt.push(values(context.model.parameters()[0]!.value));
      },
    };
    const stopper = new EarlyStopping({ monitor: "score", patience: 2 });
    const result = await trainer.fit(data, { epochs: 8, batchSize: 32, callbacks: [fake, stopper] });
    expect(result.status).toBe("stopped");
    expect(result.history).toHaveLength(5);
    expect(result.reason).toMatch(/score has not improved for 2 epochs \(best 3\.0000 at epoch 3\)/);
    expect(values(trainer.model.parameters()[0]!.value)).toEqual(weightsAt[2]);
  });

  it("TerminateOnNaN stops as soon as the loss is not finite", async () => {
    const source = xor({ samples: 64 });
    const features = source.features.read();
    features[5] = Number.NaN;
    const data = withFeatures(source, fromArray(features, source.features.shape, { backend }));
    const trainer = classifier([2, 4, 2], 0.01);
    const result = await trainer.fit(data, {
      epochs: 5,
      batchSize: 64,
      shuffle: false,
      checkFinite: false,
      callbacks: [new TerminateOnNaN()],
    });
    expect(result.status).toBe("failed");
    expect(result.history).toHaveLength(0);
    expect(result.reason).toMatch(/loss is NaN at epoch 1, batch 1/);
  });

  it("ReduceLROnPlateau lowers the rate when the monitored value stalls", async () => {
    const model = mlp({ sizes: [2, 4, 2], seed: 1, backend });
    const schedule = reduceLrOnPlateau({ lr: 0.1, factor: 0.5, patience: 1 });
    const messages: string[] = [];
    const trainer = new Trainer({
      model,
      loss: new CrossEntropyLoss(),
      optimizer: new Optimizer(sgd({ lr: schedule }), model.parameters()),
      schedule,
      scheduleInterval: "none",
    });
    const flat: Callback = {
      onEpochEnd(logs) {
        logs.plateau = 1; // never improves after the first epoch
      },
    };
    const plateau = new ReduceLROnPlateau(schedule, { monitor: "plateau", log: (m) => messages.push(m) });
    const { history } = await trainer.fit(placed(xor({ samples: 32 })), {
      epochs: 6,
      batchSize: 32,
      callbacks: [flat, plateau],
    });
    // lr is logged before the epoch-end callbacks: 0.1, 0.1, 0.1, then halved after every 2 bad epochs.
    expect(history.map((l) => l.lr)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
    expect(messages[0]).toMatch(/plateau stalled, learning rate 0\.1000 → 0\.0500/);
  });
});
