import { StandardScaler } from "@backprop/data";
import { mlp, saveModelToBytes } from "@backprop/layers";
import { fromArray, jsBackend } from "@backprop/tensor";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { generateDataset, splitTrainTest } from "../state/datasets.js";
import { DEFAULT_STATE } from "../state/state.js";
import { exportRun, RUN_FOLDER } from "./export.js";
import { importRun } from "./import-run.js";
import { TrainingSession } from "./session.js";

describe("import a CLI run", () => {
  it("round-trips an exported playground net: same settings, same weights", () => {
    const state = { ...DEFAULT_STATE, features: ["x1", "x2", "x1x2"] as const, hidden: [3, 2] };
    const { train, test } = splitTrainTest(generateDataset("xor", 0, 1), 0.5, 1);
    const session = new TrainingSession(
      { ...state, features: [...state.features] },
      { train, test, task: "classification" },
      jsBackend,
      4,
    );
    for (let e = 0; e < 3; e++) session.trainEpoch();
    const files = unzipSync(exportRun(session, "http://x/#"));
    const run = importRun({
      architecture: JSON.parse(strFromU8(files[`${RUN_FOLDER}/model/model.json`]!)),
      weights: files[`${RUN_FOLDER}/model/model.safetensors`]!,
      preprocessing: JSON.parse(strFromU8(files[`${RUN_FOLDER}/model/preprocessing.json`]!)),
    });
    expect(run).toMatchObject({
      features: ["x1", "x2", "x1x2"],
      hidden: [3, 2],
      activation: "tanh",
      bias: true,
      task: "classification",
    });
    expect(run.weights).toEqual(session.model.parameters().map((p) => p.value.read()));
  });

  it("folds a standard scaler and a two-class softmax into the net: σ(y(x)) = softmax(f(scaled x))₁", () => {
    const raw = fromArray([3, -2, 0.5, 4, -1, 1, 2, 2], [4, 2]);
    const scaler = StandardScaler.fit(raw);
    const cli = mlp({ sizes: [2, 4, 2], activation: "relu", seed: 3 });
    const { architecture, weights } = saveModelToBytes(cli);
    const run = importRun({
      architecture,
      weights,
      preprocessing: {
        task: "classification",
        featureNames: ["a", "b"],
        classNames: ["no", "yes"],
        scaler: scaler.toJSON(),
      },
    });
    expect(run.features).toEqual(["x1", "x2"]);
    const ours = mlp({ sizes: [2, 4, 1], activation: "relu" });
    ours.parameters().forEach((p, i) => {
      p.value.write(run.weights[i]!);
    });
    const logits = cli.forward(scaler.transform(raw)).read();
    const y = ours.forward(raw).read();
    for (let n = 0; n < 4; n++) {
      const p1 = 1 / (1 + Math.exp(logits[2 * n]! - logits[2 * n + 1]!));
      expect(1 / (1 + Math.exp(-y[n]!))).toBeCloseTo(p1, 5);
    }
  });

  it("refuses a net the picture cannot show, saying why", () => {
    const big = saveModelToBytes(mlp({ sizes: [2, 9, 1] }));
    expect(() =>
      importRun({ ...big, preprocessing: { task: "regression", featureNames: ["x1", "x2"], scaler: null } }),
    ).toThrow("import: a hidden layer has 9 neurons; the playground shows at most 8");
    const wide = saveModelToBytes(mlp({ sizes: [3, 2, 1] }));
    expect(() =>
      importRun({
        ...wide,
        preprocessing: { task: "regression", featureNames: ["p", "q", "r"], scaler: null },
      }),
    ).toThrow(/neither two columns nor the playground's/);
  });
});
