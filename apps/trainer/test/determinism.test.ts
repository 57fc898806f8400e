/*
 * Determinism: the same seed gives bitwise the same final weights on the same backend (js, and
 * wasm where WebAssembly SIMD is available, on one thread or two). Between backends the results agree only to float32
 * rounding (the README states the measured tolerance); this test bounds that too.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeSafetensors } from "@backprop/layers";
import { wasmSimdSupported } from "@backprop/tensor-wasm";
import { describe, expect, it } from "vitest";
import { parseTrainConfig } from "../src/config.js";
import { runTraining } from "../src/run.js";
import { RUN_FILES } from "../src/run-dir.js";
import { useTempDir } from "./test-kit.js";

const temp = useTempDir("backprop-determinism-");

/** Trains the same small recipe (Adam, cosine schedule, dropout) and returns the final weights file. */
async function train(
  backend: "js" | "wasm",
  name: string,
  options: { threads?: number; hidden?: number[] } = {},
) {
  const config = parseTrainConfig(
    {
      dataset: "spiral",
      samples: 450,
      hidden: options.hidden ?? [32, 32],
      dropout: 0.1,
      epochs: 8,
      batchSize: 16,
      learningRate: 0.01,
      seed: 11,
      backend,
      threads: options.threads ?? 1,
      outDir: temp.path,
      name,
    },
    "test",
  );
  const result = await runTraining(config);
  const bytes = await readFile(join(result.runDir, RUN_FILES.model, "model.safetensors"));
  return { bytes, result };
}

const backends = wasmSimdSupported() ? (["js", "wasm"] as const) : (["js"] as const);

describe("determinism", () => {
  it.each(backends)("the same seed gives bitwise identical weights on the %s backend", async (backend) => {
    const a = await train(backend, `${backend}-a`);
    const b = await train(backend, `${backend}-b`);
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
    expect(a.result.test).toEqual(b.result.test);
  });

  it.runIf(wasmSimdSupported())("wasm on 1 and 2 threads: bitwise identical weights", async () => {
    // 512-wide hidden layers: their gemms (16·512·512 and up) and Adam updates are big enough to split.
    const one = await train("wasm", "wasm-1t", { threads: 1, hidden: [512, 512] });
    const two = await train("wasm", "wasm-2t", { threads: 2, hidden: [512, 512] });
    expect([one.result.threads, two.result.threads]).toEqual([1, 2]);
    expect(Buffer.compare(one.bytes, two.bytes)).toBe(0);
  });

  it.runIf(wasmSimdSupported())("js and wasm agree to float32 rounding, not bitwise", async () => {
    const js = await train("js", "js-c");
    const wasm = await train("wasm", "wasm-c");
    const a = decodeSafetensors(new Uint8Array(js.bytes)).tensors;
    const b = decodeSafetensors(new Uint8Array(wasm.bytes)).tensors;
    let maxDiff = 0;
    for (const [name, t] of a) {
      const u = b.get(name)!;
      for (let i = 0; i < t.size; i++) maxDiff = Math.max(maxDiff, Math.abs(t.data[i]! - u.data[i]!));
    }
    const accuracy = (r: typeof js.result) => r.test?.accuracy ?? Number.NaN;
    console.log(
      `js vs wasm after 8 epochs: max |Δw| ${maxDiff.toExponential(2)}, test accuracy ${accuracy(js.result)} vs ${accuracy(wasm.result)}`,
    );
    expect(maxDiff).toBeLessThan(1e-2);
    expect(Math.abs(accuracy(js.result) - accuracy(wasm.result))).toBeLessThanOrEqual(0.05);
  });
});
