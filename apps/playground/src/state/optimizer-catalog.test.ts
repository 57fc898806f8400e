import { createOptimizerRegistry } from "@backprop/optimizers";
import { describe, expect, it } from "vitest";
import { optimizerNames, scheduleNames } from "../engine/network.js";
import {
  NOT_OFFERED_SCHEDULES,
  NOT_OPTIMIZERS,
  OPTIMIZER_PARAMS,
  registryOptions,
  SCHEDULE_PARAMS,
} from "./optimizer-catalog.js";

describe("optimizer catalogue", () => {
  it("offers every optimizer and schedule of the registry (a new one there fails here until it is added)", () => {
    const registry = createOptimizerRegistry();
    expect(optimizerNames().sort()).toEqual(Object.keys(OPTIMIZER_PARAMS).sort());
    expect(scheduleNames().sort()).toEqual(Object.keys(SCHEDULE_PARAMS).sort());
    expect([...optimizerNames(), ...NOT_OPTIMIZERS].sort()).toEqual(registry.types().sort());
    expect([...scheduleNames(), ...NOT_OFFERED_SCHEDULES].sort()).toEqual(registry.scheduleTypes().sort());
  });

  it("every optimizer and schedule is built by the registry from the page's defaults", () => {
    const registry = createOptimizerRegistry();
    for (const [type, params] of Object.entries(OPTIMIZER_PARAMS)) {
      const transform = registry.create({
        type,
        options: { lr: 0.01, ...registryOptions(params, {}) } as never,
      });
      expect(transform.spec?.type).toBe(type);
    }
    for (const [type, params] of Object.entries(SCHEDULE_PARAMS)) {
      const options = { ...registryOptions(params, {}), [type === "oneCycleLr" ? "maxLr" : "lr"]: 0.1 };
      expect(registry.createSchedule({ type, options: options as never }).getLr()).toBeGreaterThan(0);
    }
  });

  it("sends β₁, β₂ as the pair `betas` and the rest by name, the user's values over the defaults", () => {
    expect(registryOptions(OPTIMIZER_PARAMS.adam!, { beta2: 0.9 })).toEqual({
      betas: [0.9, 0.9],
      eps: 1e-8,
      amsgrad: false,
      weightDecay: 0,
    });
  });
});
