import { jsBackend } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { generateDataset, splitTrainTest } from "../state/datasets.js";
import { DEFAULT_STATE, effectiveState, type PlaygroundState } from "../state/state.js";
import { TrainingSession } from "./session.js";

function session(overrides: Partial<PlaygroundState>): TrainingSession {
  const state = effectiveState({ ...DEFAULT_STATE, ...overrides });
  const points = generateDataset(state.dataset as "circle", state.noise / 100, state.seed);
  const { train, test } = splitTrainTest(points, state.trainRatio / 100, state.seed);
  const task = state.dataset === "plane" || state.dataset === "multigauss" ? "regression" : "classification";
  return new TrainingSession(state, { train, test, task }, jsBackend, 8);
}

describe("TrainingSession", () => {
  it("learns the circle with the default net to ≥ 95% test accuracy", () => {
    const s = session({});
    for (let e = 0; e < 150; e++) s.trainEpoch();
    expect(s.epoch).toBe(150);
    expect(s.steps).toBe(150 * 25);
    expect(s.metrics().testAccuracy).toBeGreaterThanOrEqual(0.95);
  });

  it("learns XOR through the x1·x2 feature with no hidden layer", () => {
    const s = session({ dataset: "xor", features: ["x1x2"], hidden: [], learningRate: 0.1 });
    const before = s.metrics().trainLoss;
    for (let e = 0; e < 30; e++) s.trainEpoch();
    expect(s.metrics().trainLoss).toBeLessThan(before / 2);
    expect(s.metrics().testAccuracy).toBeGreaterThanOrEqual(0.95);
  });

  it("fits the regression plane (test loss falls by 10×)", () => {
    const s = session({ dataset: "plane", hidden: [2] });
    const before = s.metrics().testLoss;
    for (let e = 0; e < 20; e++) s.trainEpoch();
    expect(s.metrics().testLoss).toBeLessThan(before / 10);
    expect(s.metrics().testAccuracy).toBeUndefined();
  });

  it("trains with every optimizer and a schedule (the loss falls)", () => {
    for (const optimizer of ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "lion"]) {
      const s = session({
        optimizer,
        learningRate: optimizer === "sgd" ? 0.03 : 0.01,
        schedule: "exponentialLr",
      });
      const before = s.metrics().trainLoss;
      for (let e = 0; e < 10; e++) s.trainEpoch();
      expect(s.metrics().trainLoss, optimizer).toBeLessThan(before);
      expect(s.learningRate()).toBeCloseTo((optimizer === "sgd" ? 0.03 : 0.01) * 0.99 ** 10, 10);
    }
  });

  it("L2 regularisation shrinks the weights compared with none", () => {
    const norm = (s: TrainingSession) =>
      s.weights().reduce((acc, w) => acc + w.weight.reduce((a, v) => a + v * v, 0), 0);
    const plain = session({});
    const decayed = session({ regularization: "L2", regularizationRate: 0.03 });
    for (let e = 0; e < 20; e++) {
      plain.trainEpoch();
      decayed.trainEpoch();
    }
    expect(norm(decayed)).toBeLessThan(norm(plain) * 0.8);
  });

  it("setWeight changes exactly the weight clicked", () => {
    const s = session({});
    const before = s.weights();
    s.setWeight(1, 1, 3, 0.25);
    const after = s.weights();
    expect(after[1]!.weight[1 * 4 + 3]).toBe(0.25);
    after[1]!.weight[1 * 4 + 3] = before[1]!.weight[1 * 4 + 3]!;
    expect(after).toEqual(before);
    expect(() => s.setWeight(1, 2, 0, 1)).toThrow(/no weight \[2, 0\] in layer 1/);
  });

  it("the gradient check of the current net passes", () => {
    const s = session({ activation: "tanh" });
    for (let e = 0; e < 3; e++) s.trainEpoch();
    const report = s.gradcheck();
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(2 * 4 + 4 + 4 * 2 + 2 + 2 + 1 + 8 * 2);
    expect(report.worst?.relError).toBeLessThan(1e-5);
  });

  it("notes mode is bias-free with ½Σ(y − t)² and plain SGD", () => {
    const s = session({ notes: true, optimizer: "adam", regularization: "L2", regularizationRate: 1 });
    expect(s.state.bias).toBe(false);
    expect(s.state.loss).toBe("half-sum");
    expect(s.model.parameters().map((p) => p.name)).toEqual(["0.weight", "2.weight", "4.weight"]);
    expect(s.optimizer.transform.spec?.type).toBe("sgd");
  });

  it("the grid outputs have one image per layer, the output in [−1, 1]", () => {
    const s = session({ hidden: [3, 2] });
    const { size, layers } = s.gridOutputs();
    expect(size).toBe(8);
    expect(layers.map((l) => l.length)).toEqual([64 * 3, 64 * 2, 64]);
    for (const v of layers[2]!) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });

  it("δ magnitudes are listed for every layer above the inputs", () => {
    const s = session({ hidden: [4, 4, 4], activation: "sigmoid" });
    const deltas = s.deltaMagnitudes();
    expect(deltas).toHaveLength(4);
    // Sigmoid's h′ ≤ ¼ with weights ~ U(±1/√4): δ shrinks layer by layer towards the inputs.
    expect(deltas[0]!).toBeLessThan(deltas[3]!);
  });
});
