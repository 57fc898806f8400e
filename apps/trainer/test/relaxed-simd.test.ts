/*
 * The CLI (`runCli`, which the `backprop` binary runs) switches on relaxed SIMD where Node has it
 * behind a flag (Node 20), so CLI users get the fused multiply-add kernels; a run records the exact
 * build, and a resume uses that build even where the other is the default, so it stays bitwise exact.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createWasmBackend, wasmRelaxedSimdSupported } from "@backprop/tensor-wasm";
import { describe, expect, it } from "vitest";
import { createBackend } from "../src/backend.js";
import { parseTrainConfig } from "../src/config.js";
import { enableRelaxedSimd } from "../src/relaxed-simd.js";
import { runTraining } from "../src/run.js";
import { RUN_FILES } from "../src/run-dir.js";
import { runBackprop, useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-relaxed-");

const config = (name: string) =>
  parseTrainConfig(
    {
      dataset: "spiral",
      samples: 240,
      hidden: [16],
      epochs: 3,
      batchSize: 16,
      backend: "wasm",
      outDir: temp.path,
      name,
    },
    "test",
  );

const finalWeights = (runDir: string) => readFile(join(runDir, RUN_FILES.model, "model.safetensors"));

describe("relaxed SIMD", () => {
  it("is switched on at run time, before the kernels compile", () => {
    expect(enableRelaxedSimd()).toBe(true);
    expect(wasmRelaxedSimdSupported()).toBe(true);
  });

  it("is the wasm backend's default build then, unless a run recorded the plain one", async () => {
    enableRelaxedSimd();
    const relaxed = await createBackend("wasm", 1);
    const plain = await createBackend("wasm", 1, "wasm-simd");
    expect([relaxed.name, plain.name]).toEqual(["wasm-relaxed-simd", "wasm-simd"]);
  });

  it("runs in the CLI: the header names the build, and a plain-SIMD run resumes on plain SIMD, bitwise", async () => {
    const header = await runBackprop(
      temp.path,
      ...[
        "train",
        "--dataset",
        "xor",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--quiet",
        "--out-dir",
        temp.path,
      ],
    );
    expect(header.stderr).toBe("");
    expect(header.stdout).toMatch(/\(wasm-relaxed-simd backend, \d+ threads?\)/);

    const simd = await createWasmBackend({ relaxed: false });
    const reference = await runTraining(config("reference"), { backend: simd });
    const paused = await runTraining(config("paused"), { backend: simd, stopAfterEpoch: 1 });
    expect(paused.status).toBe("interrupted");
    const resumed = await runBackprop(temp.path, "train", "--resume", paused.runDir, "--quiet");
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect((await finalWeights(paused.runDir)).equals(await finalWeights(reference.runDir))).toBe(true);
  });
});
