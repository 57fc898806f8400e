/*
 * The steady-state training step moves no tensor through JavaScript: on the opaque-storage backend
 * (no CPU array at all), with the divergence guard on, an epoch's only reads are each batch's
 * predictions for the accuracy metric (batch × classes numbers) and its only writes each batch's
 * labels for the loss (batch numbers). Nothing proportional to the weights or gradients crosses.
 */
import { datasetOnBackend, spiral } from "@backprop/data";
import { mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { adam, Optimizer } from "@backprop/optimizers";
import { wrapBackend } from "@backprop/tensor";
import { countingBackend, createOpaqueBackend } from "@backprop/tensor/testing";
import { describe, expect, it } from "vitest";
import { Trainer } from "../src/trainer.js";

describe("the steady-state step", () => {
  it("reads only the predictions the metrics need and writes only the labels", async () => {
    const moved: { op: string; elements: number }[] = [];
    let training = false;
    const backend = wrapBackend(createOpaqueBackend(), (name, method) =>
      name === "read" || name === "write"
        ? (...args) => {
            if (training) moved.push({ op: name, elements: (args[2] as ArrayLike<number>).length });
            return method(...args);
          }
        : method,
    );
    const model = mlp({ sizes: [2, 16, 16, 3], activation: "relu", seed: 1, backend });
    const trainer = new Trainer({
      model,
      loss: new CrossEntropyLoss(),
      optimizer: new Optimizer(adam({ lr: 0.01 }), model.parameters()),
      metrics: ["accuracy"],
    });
    const data = datasetOnBackend(spiral({ samplesPerClass: 40, rng: 1 }), backend);
    const started = {
      onTrainBegin: () => {
        training = true;
      },
    };
    const result = await trainer.fit(data, {
      epochs: 2,
      batchSize: 16,
      checkFinite: true,
      callbacks: [started],
    });
    expect(result.status).toBe("completed");
    // 120 samples: 7 batches of 16 and one of 8, per epoch.
    const batches = [16, 16, 16, 16, 16, 16, 16, 8, 16, 16, 16, 16, 16, 16, 16, 8];
    expect(moved.filter((m) => m.op === "read").map((m) => m.elements)).toEqual(batches.map((b) => 3 * b));
    expect(moved.filter((m) => m.op === "write").map((m) => m.elements)).toEqual(batches);
  });

  it("the divergence guard makes no backend pass of its own: the same calls with it on as off", async () => {
    const callsOf = async (checkFinite: boolean) => {
      const { backend, calls } = countingBackend(createOpaqueBackend());
      const model = mlp({ sizes: [2, 16, 16, 3], activation: "relu", seed: 1, backend });
      const trainer = new Trainer({
        model,
        loss: new CrossEntropyLoss(),
        optimizer: new Optimizer(adam({ lr: 0.01 }), model.parameters()),
      });
      const data = datasetOnBackend(spiral({ samplesPerClass: 40, rng: 1 }), backend);
      const result = await trainer.fit(data, { epochs: 2, batchSize: 16, checkFinite });
      expect(result.status).toBe("completed");
      return calls;
    };
    const on = await callsOf(true);
    expect(on.elementwise).toBeGreaterThan(0);
    expect(on).toEqual(await callsOf(false));
  });
});
