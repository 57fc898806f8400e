import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_FILES } from "../src/run-dir.js";
import { runCliInProcess, useTempDir } from "./test-kit.js";

/*
 * A 100M-parameter net (2-10000-10000-2, Adam: 300M floats of weights and state) checkpoints and
 * resumes bitwise from the CLI. Its optimizer state as JSON numbers would be ~8 GB of text, which V8
 * cannot hold ("Invalid string length"); as safetensors it is 800 MB of raw float32.
 * One sample a step, one step an epoch, two epochs; the js backend keeps each step to a few gemms of
 * 10000×10000 by 4. About 3 GB of RAM and minutes of a loaded machine, so it runs on request only:
 * BACKPROP_SCALE_TEST=1 pnpm --filter @backprop/trainer exec vitest run test/scale.test.ts
 * (a recorded run is in BENCHMARKS.md).
 */

const temp = useTempDir("backprop-scale-");

describe.runIf(process.env.BACKPROP_SCALE_TEST === "1")("a 100M-parameter net", () => {
  it("checkpoints (optimizer state as binary tensors) and resumes to bitwise the same weights", async () => {
    const train = await runCliInProcess(
      ...["train", "--dataset", "xor", "--samples", "40", "--limit", "4", "--hidden", "10000,10000"],
      ...[
        "--epochs",
        "2",
        "--batch-size",
        "4",
        "--backend",
        "js",
        "--out-dir",
        temp.path,
        "--name",
        "big",
        "-q",
      ],
    );
    expect(train.stderr).toBe("");
    expect(train.code).toBe(0);
    const run = join(temp.path, "big");
    const checkpoints = join(run, RUN_FILES.checkpoints);
    const state = JSON.parse(await readFile(join(checkpoints, "epoch-0001.json"), "utf8")) as {
      version: number;
      state: { optimizer: { state: [{ mu: Record<string, unknown> }] } };
    };
    expect(state.version).toBe(2);
    const mu = state.state.optimizer.state[0].mu;
    expect(Object.keys(mu)).toHaveLength(6);
    for (const [name, ref] of Object.entries(mu)) expect(ref).toEqual({ $tensor: `state[0].mu.${name}` });
    expect((await stat(join(checkpoints, "epoch-0001.json"))).size).toBeLessThan(16_384);
    // m and v: 2 × 100,060,002 float32, plus the safetensors header.
    const optimizerBytes = (await stat(join(checkpoints, "epoch-0001.optimizer.safetensors"))).size;
    expect(optimizerBytes).toBeGreaterThan(2 * 100_060_002 * 4);
    expect(optimizerBytes).toBeLessThan(2 * 100_060_002 * 4 + 4096);

    const finalWeights = await readFile(join(run, RUN_FILES.model, "model.safetensors"));
    // Rewind the run to its epoch-1 checkpoint and continue it: epoch 2 again, from the files alone.
    await writeFile(
      join(checkpoints, "latest.json"),
      JSON.stringify({ format: "backprop.checkpoint-pointer", version: 1, name: "epoch-0001" }),
    );
    await rm(join(run, RUN_FILES.model), { recursive: true });
    const resumed = await runCliInProcess("train", "--resume", run, "-q");
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    const again = await readFile(join(run, RUN_FILES.model, "model.safetensors"));
    expect(again.length).toBe(finalWeights.length);
    expect(Buffer.compare(again, finalWeights)).toBe(0);
  }, 600_000);
});
