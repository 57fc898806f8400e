/*
 * Fuzzing the checkpoint readers: a real checkpoint (latest.json, epoch-0002.json, epoch-0002.safetensors
 * of an Adam run with early stopping's best weights and a plateau schedule) is mutated (its JSON
 * structurally and as text, its weights as bytes, re-signed so the safetensors decoder sees them)
 * and loaded, then resumed from. Only the library's own errors may come out; nothing is allocated
 * beyond what the weights file holds; prototype keys are refused and the prototypes stay as they were.
 * `FUZZ_RUNS=10000 vitest run test/fuzz` (the `fuzz` script) for the long run.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError, spiral } from "@backprop/data";
import { LayerError, mlp } from "@backprop/layers";
import { CrossEntropyLoss, LossError } from "@backprop/losses";
import { adam, Optimizer, OptimizerError, reduceLrOnPlateau } from "@backprop/optimizers";
import { Rng, TensorError } from "@backprop/tensor";
import {
  countingBackend,
  expectPrototypesUnchanged,
  fuzzParameters,
  mutateJson,
  prototypeSnapshot,
} from "@backprop/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EarlyStopping, ReduceLROnPlateau } from "../../src/callbacks.js";
import { TrainerError } from "../../src/errors.js";
import { ModelCheckpoint } from "../../src/node-callbacks.js";
import { loadLatestCheckpoint, RUN_FILES } from "../../src/run-dir.js";
import { Trainer } from "../../src/trainer.js";

const { seed, numRuns } = fuzzParameters();
const LIBRARY_ERRORS = [TrainerError, DataError, LayerError, LossError, OptimizerError, TensorError];
const EPOCHS = 3;
const data = spiral({ samplesPerClass: 4, rng: 1 });
const validation = spiral({ samplesPerClass: 2, rng: 2 });

/** The model, optimizer and callbacks of the fuzzed run, fresh. */
function setup() {
  const model = mlp({ sizes: [2, 3, 3], activation: "relu", rng: new Rng(5) });
  const schedule = reduceLrOnPlateau({ lr: 0.05, patience: 0 });
  const trainer = new Trainer({
    model,
    loss: new CrossEntropyLoss(),
    optimizer: new Optimizer(adam({ lr: schedule }), model.parameters()),
    metrics: ["accuracy"],
    schedule,
    scheduleInterval: "none",
  });
  const callbacks = [
    new EarlyStopping({ patience: 10 }),
    new ReduceLROnPlateau(schedule, { monitor: "loss" }),
  ];
  return { trainer, callbacks };
}

let dir: string;
let checkpoints: string;
const base: { pointer: string; state: string; weights: Uint8Array } = {
  pointer: "",
  state: "",
  weights: new Uint8Array(),
};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "backprop-fuzz-"));
  checkpoints = join(dir, RUN_FILES.checkpoints);
  const { trainer, callbacks } = setup();
  await trainer.fit(data, {
    epochs: EPOCHS,
    batchSize: 5,
    validation,
    stopAfterEpoch: 2,
    callbacks: [...callbacks, new ModelCheckpoint(dir)],
  });
  base.pointer = await readFile(join(checkpoints, "latest.json"), "utf8");
  base.state = await readFile(join(checkpoints, "epoch-0002.json"), "utf8");
  base.weights = new Uint8Array(await readFile(join(checkpoints, "epoch-0002.safetensors")));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Byte-level damage: overwrites, a cut end, appended bytes. */
function mutateBytes(bytes: Uint8Array, rng: Rng, window: number): Uint8Array {
  const out = bytes.slice();
  for (let n = rng.int(5); n > 0; n--) out[rng.int(Math.min(window, out.length))] = rng.int(256);
  const cut = rng.int(3) === 0 ? rng.int(Math.min(64, out.length)) : 0;
  const extra = Array.from({ length: rng.int(3) === 0 ? rng.int(16) : 0 }, () => rng.int(256));
  return Uint8Array.from([...out.subarray(0, out.length - cut), ...extra]);
}

/** The checkpoint JSON with its weights entry matching `weights` (so the decoder, not the hash, judges them). */
function resign(state: string, weights: Uint8Array): string {
  const file = JSON.parse(state) as { weights: { bytes: number; sha256: string } };
  file.weights.bytes = weights.length;
  file.weights.sha256 = createHash("sha256").update(weights).digest("hex");
  return JSON.stringify(file);
}

/** One forged checkpoint: which file is damaged and how. */
function forge(rng: Rng): { pointer: string; state: string; weights: Uint8Array } {
  let { pointer, state, weights } = base;
  switch (rng.int(6)) {
    case 0:
      pointer =
        rng.int(2) === 0
          ? mutateJson(pointer, rng)
          : new TextDecoder().decode(mutateBytes(new TextEncoder().encode(pointer), rng, 200));
      break;
    case 1:
    case 2:
      state = mutateJson(state, rng);
      break;
    case 3:
      state = new TextDecoder().decode(mutateBytes(new TextEncoder().encode(state), rng, state.length));
      break;
    default: {
      // The 8-byte length and the header are where damage changes the most.
      weights = mutateBytes(weights, rng, rng.int(2) === 0 ? 200 : weights.length);
      if (rng.int(4) === 0) {
        const length = [0n, 1n, 2n ** 50n, 2n ** 64n - 1n, BigInt(rng.int(400))][rng.int(5)]!;
        if (weights.length >= 8) new DataView(weights.buffer).setBigUint64(0, length, true);
      }
      state = resign(state, weights);
    }
  }
  return { pointer, state, weights };
}

/** Loads and resumes from a forged checkpoint: success, or one of the library's errors; nothing else. */
async function loadForged(files: { pointer: string; state: string; weights: Uint8Array }): Promise<string> {
  await writeFile(join(checkpoints, "latest.json"), files.pointer);
  await writeFile(join(checkpoints, "epoch-0002.json"), files.state);
  await writeFile(join(checkpoints, "epoch-0002.safetensors"), files.weights);
  const before = prototypeSnapshot();
  const { backend, allocatedBytes } = countingBackend();
  try {
    const checkpoint = await loadLatestCheckpoint(dir, backend);
    expect(allocatedBytes()).toBeLessThanOrEqual(files.weights.length);
    const { trainer, callbacks } = setup();
    await trainer.fit(data, { epochs: EPOCHS, batchSize: 5, validation, callbacks, resume: checkpoint });
    return "loaded";
  } catch (error) {
    if (!LIBRARY_ERRORS.some((type) => error instanceof type)) throw error;
    // A TrainerError wrapping a TypeError: a loader that trusted the saved structure (see restorePart).
    const cause = (error as Error).cause;
    return error instanceof TrainerError && (cause instanceof TypeError || cause instanceof RangeError)
      ? `${error.message.split(" is malformed")[0]} (${cause.name})`
      : (error as Error).name;
  } finally {
    expectPrototypesUnchanged(before);
    expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
  }
}

describe("checkpoint reader fuzz", () => {
  it("the unmutated checkpoint loads and resumes", async () => {
    expect(await loadForged(base)).toBe("loaded");
  });

  it(`refuses ${numRuns} forged checkpoints (pointer, state JSON, weights) with the library's errors only`, async () => {
    const rng = new Rng(seed);
    const outcomes = new Map<string, number>();
    for (let run = 0; run < numRuns; run++) {
      const files = forge(rng);
      let outcome: string;
      try {
        outcome = await loadForged(files);
      } catch (error) {
        throw new Error(
          `case ${run} (FUZZ_SEED=${seed}) threw ${String(error)}\nlatest.json: ${files.pointer}\nstate: ${files.state.slice(0, 2000)}`,
          { cause: error },
        );
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    console.log(
      `checkpoint fuzz: ${numRuns} cases, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`,
    );
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(numRuns);
  }, 0);
});
