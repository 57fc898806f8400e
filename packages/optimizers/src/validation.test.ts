import { describe, expect, it } from "vitest";
import {
  adadelta,
  adagrad,
  adam,
  adamax,
  adamw,
  clipByValue,
  cosineAnnealingLr,
  cosineAnnealingWarmRestarts,
  exponentialLr,
  HyperparameterError,
  linearLr,
  lion,
  multiStepLr,
  nadam,
  oneCycleLr,
  reduceLrOnPlateau,
  rmsprop,
  sequentialLr,
  sgd,
  stepLr,
} from "./index.js";

describe("out-of-range hyperparameters are rejected with a message naming the value and what was expected", () => {
  const cases: [() => unknown, string][] = [
    [() => sgd({ lr: 0 }), "sgd: lr must be a finite number > 0, got 0"],
    [() => sgd({ lr: -0.1 }), "sgd: lr must be a finite number > 0, got -0.1"],
    [() => sgd({ lr: Number.POSITIVE_INFINITY }), "sgd: lr must be a finite number > 0, got Infinity"],
    [() => sgd({ lr: "0.1" as never }), 'sgd: lr must be a finite number > 0, got "0.1"'],
    [() => sgd({ lr: 0.1, momentum: -0.5 }), "sgd: momentum must be in [0, 1), got -0.5"],
    [() => sgd({ lr: 0.1, dampening: 1.5 }), "sgd: dampening must be in [0, 1], got 1.5"],
    [
      () => sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      "sgd: nesterov needs momentum > 0 and dampening 0",
    ],
    [() => sgd({ lr: 0.1, weightDecay: -1e-4 }), "sgd: weightDecay must be a finite number ≥ 0, got -0.0001"],
    [() => sgd({ lr: 0.1, maximize: 1 as never }), "sgd: maximize must be true or false, got 1"],
    [() => adam({ betas: [0.9, 1] }), "adam: betas[1] must be in [0, 1), got 1"],
    [() => adam({ betas: [1.1, 0.9] }), "adam: betas[0] must be in [0, 1), got 1.1"],
    [() => adam({ betas: [0.9] as never }), "adam: betas must be a pair [β1, β2], got [0.9]"],
    [() => adam({ eps: -1e-8 }), "adam: eps must be a finite number ≥ 0, got -1e-8"],
    [() => adam({ amsgrad: "yes" as never }), 'adam: amsgrad must be true or false, got "yes"'],
    [() => adamw({ weightDecay: Number.NaN }), "adamw: weightDecay must be a finite number ≥ 0, got NaN"],
    [() => rmsprop({ alpha: 1 }), "rmsprop: alpha must be in [0, 1), got 1"],
    [() => rmsprop({ momentum: 1 }), "rmsprop: momentum must be in [0, 1), got 1"],
    [
      () => adagrad({ initialAccumulatorValue: -1 }),
      "adagrad: initialAccumulatorValue must be a finite number ≥ 0, got -1",
    ],
    [() => adagrad({ lrDecay: -0.1 }), "adagrad: lrDecay must be a finite number ≥ 0, got -0.1"],
    [() => adamax({ eps: -1 }), "adamax: eps must be a finite number ≥ 0, got -1"],
    [() => nadam({ momentumDecay: -4e-3 }), "nadam: momentumDecay must be a finite number ≥ 0, got -0.004"],
    [
      () => nadam({ decoupledWeightDecay: 0 as never }),
      "nadam: decoupledWeightDecay must be true or false, got 0",
    ],
    [() => adadelta({ rho: 1.1 }), "adadelta: rho must be in [0, 1], got 1.1"],
    [() => adadelta({ lr: 0 }), "adadelta: lr must be a finite number > 0, got 0"],
    [() => lion({ betas: [0.9, -0.1] }), "lion: betas[1] must be in [0, 1), got -0.1"],
    [() => clipByValue({ clipValue: 0 }), "clipByValue: clipValue must be a finite number > 0, got 0"],
    [() => stepLr({ lr: 0.1, stepSize: 0 }), "stepLr: stepSize must be an integer ≥ 1, got 0"],
    [
      () => multiStepLr({ lr: 0.1, milestones: [10, 5] }),
      "multiStepLr: milestones[1] must be an integer ≥ 11, got 5",
    ],
    [() => exponentialLr({ lr: 0.1, gamma: 0 }), "exponentialLr: gamma must be a finite number > 0, got 0"],
    [
      () => cosineAnnealingWarmRestarts({ lr: 0.1, t0: 10, tMult: 1.5 }),
      "cosineAnnealingWarmRestarts: tMult must be an integer ≥ 1, got 1.5",
    ],
    [() => linearLr({ lr: 0.1, totalIters: 0 }), "linearLr: totalIters must be an integer ≥ 1, got 0"],
    [
      () => oneCycleLr({ maxLr: 1, totalSteps: 10, annealStrategy: "exp" as never }),
      'oneCycleLr: annealStrategy must be one of "cos", "linear", got "exp"',
    ],
    [
      () => reduceLrOnPlateau({ lr: 0.1, mode: "up" as never }),
      'reduceLrOnPlateau: mode must be one of "min", "max", got "up"',
    ],
    [() => reduceLrOnPlateau({ lr: 0.1, factor: 1 }), "reduceLrOnPlateau: factor must be in [0, 1), got 1"],
    [
      () => sequentialLr({ schedules: [stepLr({ lr: 0.1, stepSize: 2 })], milestones: [5] }),
      "sequentialLr: schedules must have one more entry than milestones, got 1 schedules and 1 milestones",
    ],
  ];
  for (const [attempt, message] of cases) {
    it(message, () => {
      expect(attempt).toThrow(HyperparameterError);
      expect(attempt).toThrow(message);
    });
  }

  it("oneCycleLr refuses to run past totalSteps, like PyTorch", () => {
    const s = oneCycleLr({ maxLr: 1, totalSteps: 3 });
    expect(() => s.lrAt(3)).not.toThrow();
    expect(() => s.lrAt(4)).toThrow("oneCycleLr: stepped 4 times, but totalSteps is 3");
  });
});

describe("unknown option keys are refused, naming the key, the closest accepted one and the list (on main they built silently)", () => {
  const cases: [() => unknown, string][] = [
    [
      () => adam({ amsgard: true } as never),
      'adam: unknown option "amsgard" (did you mean "amsgrad"?); accepted: lr, weightDecay, weightDecayMask, maximize, betas, eps, amsgrad',
    ],
    [
      () => sgd({ lr: 0.1, momentun: 0.9 } as never),
      'sgd: unknown option "momentun" (did you mean "momentum"?); accepted: lr, weightDecay, weightDecayMask, maximize, momentum, dampening, nesterov',
    ],
    [
      () => adamw({ weight_decay: 0.1 } as never),
      'adamw: unknown option "weight_decay" (did you mean "weightDecay"?)',
    ],
    [() => rmsprop({ foo: 1 } as never), 'rmsprop: unknown option "foo"; accepted: lr,'],
    [() => lion({ beta: [0.9, 0.99] } as never), 'lion: unknown option "beta" (did you mean "betas"?)'],
    [
      () => clipByValue({ clipValue: 1, max: 2 } as never),
      'clipByValue: unknown option "max"; accepted: clipValue',
    ],
    [() => adam(5 as never), "adam: options must be an object, got 5"],
  ];
  for (const [attempt, message] of cases) {
    it(message, () => {
      expect(attempt).toThrow(HyperparameterError);
      expect(attempt).toThrow(message);
    });
  }

  it("a key whose value is undefined counts as not given", () => {
    expect(() => adam({ lr: 0.01, eps: undefined } as never)).not.toThrow();
  });
});

describe("schedules refuse unknown option keys too", () => {
  it("a typo in an optional key (etaMin) is named, not ignored", () => {
    expect(() => cosineAnnealingLr({ lr: 0.1, tMax: 10, eta_min: 0.01 } as never)).toThrow(
      'cosineAnnealingLr: unknown option "eta_min" (did you mean "etaMin"?); accepted: lr, tMax, etaMin',
    );
    expect(() => reduceLrOnPlateau({ lr: 0.1, patiance: 3 } as never)).toThrow(
      'reduceLrOnPlateau: unknown option "patiance" (did you mean "patience"?)',
    );
  });
});
