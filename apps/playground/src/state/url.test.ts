import { describe, expect, it } from "vitest";
import { DEFAULT_STATE, type PlaygroundState } from "./state.js";
import { decodeState, encodeState } from "./url.js";

describe("URL state", () => {
  it("round-trips every field, optimizer and schedule hyper-parameters included", () => {
    const state: PlaygroundState = {
      ...DEFAULT_STATE,
      dataset: "spiral",
      noise: 35,
      trainRatio: 70,
      batchSize: 17,
      seed: 123456,
      features: ["x1", "x2", "sinx1", "x1x2"],
      hidden: [8, 8, 3, 1, 2, 5],
      activation: "relu",
      learningRate: 0.003,
      regularization: "L1",
      regularizationRate: 0.001,
      optimizer: "adam",
      optimizerParams: { beta1: 0.8, beta2: 0.95, eps: 1e-7, amsgrad: true, weightDecay: 0 },
      schedule: "multiStepLr",
      scheduleParams: { milestones: [10, 20], gamma: 0.5 },
      loss: "half-sum",
      bias: false,
      notes: true,
      discretize: true,
      showTest: true,
      epochsPerFrame: 4,
      lang: "zh",
      backend: "js",
    };
    const decoded = decodeState(encodeState(state));
    expect(decoded.problems).toEqual([]);
    expect(decoded.state).toEqual(state);
  });

  it("an empty hash is the default state; an older, shorter hash keeps the defaults it does not name", () => {
    expect(decodeState("")).toEqual({ state: DEFAULT_STATE, problems: [] });
    const { state, problems } = decodeState("#dataset=xor&hidden=3");
    expect(problems).toEqual([]);
    expect(state).toEqual({ ...DEFAULT_STATE, dataset: "xor", hidden: [3] });
  });

  it("no hidden layers is a valid net (logistic regression on the features)", () => {
    expect(decodeState(encodeState({ ...DEFAULT_STATE, hidden: [] })).state.hidden).toEqual([]);
  });

  it("replaces bad values by the default and says which, expected vs got", () => {
    const { state, problems } = decodeState(
      "#noise=80&hidden=4,9&features=x1,x1&learningRate=-1&activation=swish&bogus=1&opt.nosuch=2",
    );
    expect(state).toEqual(DEFAULT_STATE);
    expect(problems).toEqual([
      'noise: expected a number in [0, 50], got "80"; using 0',
      'features: expected a comma-separated list of distinct features (x1, x2, x1sq, x2sq, x1x2, sinx1, sinx2), got "x1,x1"; using ["x1","x2"]',
      'hidden: expected up to 6 comma-separated widths in [1, 8], got "4,9"; using [4,2]',
      'activation: expected one of tanh, relu, sigmoid, identity, leakyRelu, elu, gelu, silu, softplus, got "swish"; using "tanh"',
      'learningRate: expected a positive number ≤ 100, got "-1"; using 0.03',
      'opt.nosuch: not a valid hyper-parameter value ("2"); ignored',
      "bogus: unknown setting; ignored",
    ]);
  });

  it("refuses more than 6 hidden layers", () => {
    expect(decodeState("#hidden=1,1,1,1,1,1,1").problems).toHaveLength(1);
  });
});
