import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng, type Tensor } from "@backprop/tensor";
import { onBackend, projectBackend } from "@backprop/test-kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { architectureOf, LayerError, mlp, SafetensorsError } from "./index.js";
import {
  loadModel,
  MODEL_ARCHITECTURE_FILE,
  MODEL_WEIGHTS_FILE,
  readSafetensorsFile,
  saveModel,
  writeFileAtomic,
  writeSafetensorsFile,
} from "./node.js";

const backend = await projectBackend();
const { randomNormal, tensor } = onBackend(backend);

/** A copy of the tensor's bytes (on the wasm backend a view dies when the memory grows). */
function bytesOf(t: Tensor): Uint8Array {
  const values = t.read();
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "backprop-layers-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("@backprop/layers/node", () => {
  it("saveModel / loadModel rebuild the exact model (architecture JSON + safetensors), bitwise", async () => {
    const model = mlp({
      backend,
      sizes: [3, 6, 6, 2],
      activation: ["tanh", "silu"],
      outputActivation: "sigmoid",
      dtype: "float64",
      seed: 9,
    });
    const paths = await saveModel(model, join(dir, "run", "best"));
    expect(paths.architecture).toBe(join(dir, "run", "best", MODEL_ARCHITECTURE_FILE));
    expect(await readdir(join(dir, "run", "best"))).toEqual(
      [MODEL_ARCHITECTURE_FILE, MODEL_WEIGHTS_FILE].sort(),
    );
    expect(JSON.parse(await readFile(paths.architecture, "utf8"))).toEqual(architectureOf(model));
    const loaded = await loadModel(join(dir, "run", "best"), { backend });
    expect(loaded.toConfig()).toEqual(model.toConfig());
    model.parameters().forEach((p, i) => {
      expect(bytesOf(loaded.parameters()[i]!.value)).toEqual(bytesOf(p.value));
    });
    const x = randomNormal([4, 3], new Rng(2), { dtype: "float64" });
    expect(bytesOf(loaded.forward(x))).toEqual(bytesOf(model.forward(x)));
  });

  it("writes atomically: replaces the old file, leaves no temporary file", async () => {
    const path = join(dir, "w.safetensors");
    await writeFile(path, "old");
    await writeSafetensorsFile(
      path,
      { a: tensor([1, 2, 3], { dtype: "float64" }) },
      { metadata: { k: "v" } },
    );
    expect(await readdir(dir)).toEqual(["w.safetensors"]);
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect([...tensors.get("a")!.read()]).toEqual([1, 2, 3]);
    expect(metadata).toEqual({ k: "v" });
  });

  it("a failed write names the file and leaves nothing behind", async () => {
    const path = join(dir, "missing-dir", "w.bin");
    await expect(writeFileAtomic(path, new Uint8Array(4))).rejects.toThrow(
      `writeFileAtomic: cannot write ${path}`,
    );
    await expect(writeFileAtomic(path, new Uint8Array(4))).rejects.toBeInstanceOf(LayerError);
    expect(await readdir(dir)).toEqual([]);
  });

  it("read errors name the file", async () => {
    const missing = join(dir, "nope.safetensors");
    await expect(readSafetensorsFile(missing)).rejects.toThrow(`${missing}: cannot read the file`);
    const corrupt = join(dir, "corrupt.safetensors");
    await writeFile(corrupt, new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    const error = await readSafetensorsFile(corrupt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as SafetensorsError).code).toBe("InvalidHeaderLength");
    expect((error as SafetensorsError).message).toContain(`${corrupt}: header length 200 runs past the end`);
  });

  it("loadModel names the bad file: missing directory, broken JSON, weights that do not fit", async () => {
    await expect(loadModel(join(dir, "none"))).rejects.toThrow(
      `${join(dir, "none", MODEL_ARCHITECTURE_FILE)}: cannot read the file`,
    );
    const target = join(dir, "m");
    await saveModel(mlp({ backend, sizes: [2, 3] }), target);
    await writeFile(join(target, MODEL_ARCHITECTURE_FILE), "{ not json");
    await expect(loadModel(target)).rejects.toThrow(
      `${join(target, MODEL_ARCHITECTURE_FILE)}: not valid JSON`,
    );
    await writeFile(
      join(target, MODEL_ARCHITECTURE_FILE),
      JSON.stringify(architectureOf(mlp({ backend, sizes: [3, 2] }))),
    );
    await expect(loadModel(target)).rejects.toThrow(
      `${join(target, MODEL_WEIGHTS_FILE)}: tensor "0.weight": the model expects float32 [2,3], the weights hold float32 [3,2]`,
    );
    await writeFile(
      join(target, MODEL_ARCHITECTURE_FILE),
      JSON.stringify(architectureOf(mlp({ backend, sizes: [2, 4] }))),
    );
    await expect(loadModel(target)).rejects.toThrow(
      `modelFromArchitecture(${join(target, MODEL_ARCHITECTURE_FILE)}): the layers would have 12 parameters, more than the 9 values the weights hold; nothing was allocated`,
    );
  });
});
