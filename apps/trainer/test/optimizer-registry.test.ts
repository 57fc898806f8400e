import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mlp } from "@backprop/layers";
import { adam, constantLr, createOptimizerRegistry, Optimizer } from "@backprop/optimizers";
import { describe, expect, it } from "vitest";
import { buildOptimizer } from "../src/build.js";
import { OPTIMIZERS, parseTrainConfig } from "../src/config.js";
import { runCliInProcess as cli } from "./test-kit.js";

describe("the trainer's optimizers come from the @backprop/optimizers registry", () => {
  it("--optimizer offers every optimizer of the registry (adamax and adadelta were missing)", async () => {
    const registered = createOptimizerRegistry().types();
    for (const type of ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "adadelta", "lion"])
      expect(registered.includes(type) && OPTIMIZERS.includes(type), type).toBe(true);
    expect(OPTIMIZERS).not.toContain("chain");
    const help = await cli("train", "--help");
    expect(help.stdout.replace(/\s+/g, " ")).toContain(
      '"adamax", "nadam", "adadelta", "lion", "adabelief", "momentum", "nesterov"',
    );
  });

  it.each(["adamax", "adadelta"])("train --optimizer %s trains", async (optimizer) => {
    const dir = await mkdtemp(join(tmpdir(), "backprop-optimizer-"));
    const run = await cli(
      ...["train", "--dataset", "xor", "--samples", "64", "--hidden", "4", "--epochs", "1"],
      ...["--optimizer", optimizer, "--backend", "js", "--quiet", "--json", "--out-dir", dir],
    );
    await rm(dir, { recursive: true, force: true });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).status).toBe("completed");
  });

  it("adam built through the registry updates bitwise as adam() built directly", () => {
    const config = parseTrainConfig({ schedule: "constant", learningRate: 0.01, weightDecay: 0.001 }, "test");
    const a = mlp({ sizes: [3, 4, 2], seed: 5 });
    const b = mlp({ sizes: [3, 4, 2], seed: 5 });
    const built = buildOptimizer({ ...config, epochs: 1 }, a, 1).optimizer;
    const direct = new Optimizer(adam({ lr: constantLr({ lr: 0.01 }), weightDecay: 0.001 }), b.parameters());
    for (let step = 0; step < 3; step++) {
      for (const model of [a, b])
        for (const p of model.parameters())
          p.grad.write(Array.from({ length: p.grad.size }, (_, i) => Math.sin(i + step)));
      built.step();
      direct.step();
    }
    const values = (model: typeof a) => model.parameters().map((p) => Array.from(p.value.read()));
    expect(values(a)).toEqual(values(b));
  });
});
