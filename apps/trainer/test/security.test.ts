/*
 * Loading never evaluates code, file sizes are bounded before parsing, prototype keys are refused,
 * and nothing is written or read outside the chosen run directory.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LayerError } from "@backprop/layers";
import { MODEL_ARCHITECTURE_MAX_BYTES } from "@backprop/layers/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTrainConfig } from "../src/config.js";
import { loadTrainedModel } from "../src/model-io.js";
import { runTraining } from "../src/run.js";
import {
  createRunDir,
  JSON_SIZE_LIMITS,
  loadLatestCheckpoint,
  parseJson,
  RUN_FILES,
  runDirectory,
} from "../src/run-dir.js";
import { runCliInProcess as cli } from "./test-kit.js";

let dir: string;
let run: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "backprop-security-"));
  const config = parseTrainConfig(
    { dataset: "xor", samples: 80, hidden: [4], epochs: 2, backend: "js", outDir: dir, name: "run" },
    "test",
  );
  run = (await runTraining(config)).runDir;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const checkpoints = () => join(run, RUN_FILES.checkpoints);
async function latest(): Promise<string> {
  return (JSON.parse(await readFile(join(checkpoints(), "latest.json"), "utf8")) as { name: string }).name;
}

describe("output paths stay inside the run directory", () => {
  it.each(["..", ".", "../escape", "/tmp/abs", "a/b", "a\\b", ""])("refuses the run name %j", (name) => {
    expect(() => runDirectory(dir, name)).toThrow(/must be a single folder name/);
    expect(() => parseTrainConfig({ name }, "test")).toThrow(/"name" must be a folder name|"name"/);
  });

  it("the CLI refuses --name .. (usage, exit 2) and a config file naming ../ (exit 1), writing nothing", async () => {
    const before = await readdir(dir);
    const flag = await cli("train", "--dataset", "xor", "--out-dir", join(dir, "runs"), "--name", "..");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error: --name must be a folder name/);
    await writeFile(join(dir, "recipe.json"), JSON.stringify({ dataset: "xor", name: "../../escape" }));
    const file = await cli("train", "--config", join(dir, "recipe.json"), "--out-dir", join(dir, "runs"));
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/"name" must be a folder name/);
    expect((await readdir(dir)).sort()).toEqual([...before, "recipe.json"].sort());
  });

  it("--force replaces run directories only, never an unrelated folder", async () => {
    const precious = join(dir, "precious");
    await mkdir(precious);
    await writeFile(join(precious, "thesis.tex"), "years of work");
    await expect(createRunDir(precious, true)).rejects.toThrow(/--force replaces run directories only/);
    expect(await readFile(join(precious, "thesis.tex"), "utf8")).toBe("years of work");
  });

  it("a checkpoint whose weights file points outside the checkpoints directory is refused", async () => {
    const name = await latest();
    const statePath = join(checkpoints(), `${name}.json`);
    const original = await readFile(statePath, "utf8");
    try {
      for (const file of ["../../../../etc/passwd", "/etc/passwd", "../config.json", `${name}.json`]) {
        const forged = JSON.parse(original) as { weights: { file: string } };
        forged.weights.file = file;
        await writeFile(statePath, JSON.stringify(forged));
        await expect(loadLatestCheckpoint(run)).rejects.toThrow(/the weights file must be ".*\.safetensors"/);
      }
    } finally {
      await writeFile(statePath, original);
    }
  });

  it("latest.json naming a path is refused", async () => {
    const pointerPath = join(checkpoints(), "latest.json");
    const original = await readFile(pointerPath, "utf8");
    try {
      for (const name of ["../../x", "/etc/passwd", "..", "a.b"]) {
        await writeFile(
          pointerPath,
          JSON.stringify({ format: "backprop.checkpoint-pointer", version: 1, name }),
        );
        await expect(loadLatestCheckpoint(run)).rejects.toThrow(
          /latest\.json is not a valid checkpoint pointer: name/,
        );
      }
    } finally {
      await writeFile(pointerPath, original);
    }
    await expect(loadLatestCheckpoint(run)).resolves.toBeDefined();
  });
});

describe("sizes are bounded before parsing", () => {
  it("a checkpoint pointer over 64 KiB is refused unread", async () => {
    const pointerPath = join(checkpoints(), "latest.json");
    const original = await readFile(pointerPath, "utf8");
    try {
      await writeFile(pointerPath, " ".repeat(JSON_SIZE_LIMITS.pointer + 1));
      await expect(loadLatestCheckpoint(run)).rejects.toThrow(
        /the checkpoint pointer .* is 65,537 bytes, more than the limit of 65,536/,
      );
    } finally {
      await writeFile(pointerPath, original);
    }
  });

  it("a config file over 16 MiB is refused unread", async () => {
    const big = join(dir, "big.json");
    await writeFile(big, Buffer.alloc(JSON_SIZE_LIMITS.other + 1, 0x20));
    const result = await cli("train", "--config", big);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /the config file .*big\.json is 16,777,217 bytes, more than the limit of 16,777,216/,
    );
  });

  it("a model.json over the architecture limit is refused unread (LayerError)", async () => {
    const copy = join(dir, "big-model");
    await mkdir(copy);
    for (const file of ["model.safetensors", "preprocessing.json"])
      await writeFile(join(copy, file), await readFile(join(run, RUN_FILES.model, file)));
    await writeFile(join(copy, "model.json"), Buffer.alloc(MODEL_ARCHITECTURE_MAX_BYTES + 1, 0x20));
    const error = await loadTrainedModel(copy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LayerError);
    expect((error as Error).message).toMatch(/the architecture file is 16777217 bytes, more than the limit/);
  });
});

describe("prototype keys", () => {
  it.each(["__proto__", "constructor", "prototype"])(
    "JSON with the key %s is refused, the prototypes untouched",
    (key) => {
      const text = `{"epochs": 2, "nested": [{"${key}": {"polluted": true, "epochs": 99}}]}`;
      expect(() => parseJson(text, "the file x.json")).toThrow(
        `the file x.json has the key "${key}", which is not allowed`,
      );
      expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
    },
  );

  it("a config file with __proto__ is refused (before, it set the epochs through the prototype)", async () => {
    const file = join(dir, "proto.json");
    await writeFile(file, '{"dataset": "xor", "__proto__": {"epochs": 3}}');
    const result = await cli("train", "--config", file, "--out-dir", join(dir, "runs"));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/has the key "__proto__", which is not allowed/);
  });

  it("a checkpoint with a prototype key is refused", async () => {
    const statePath = join(checkpoints(), `${await latest()}.json`);
    const original = await readFile(statePath, "utf8");
    try {
      await writeFile(statePath, original.replace('"state":{', '"state":{"constructor":{"x":1},'));
      await expect(loadLatestCheckpoint(run)).rejects.toThrow(
        /has the key "constructor", which is not allowed/,
      );
    } finally {
      await writeFile(statePath, original);
    }
  });
});

describe("no code is evaluated", () => {
  it("the readers' sources have no eval, Function constructor, or require / import of a computed path", async () => {
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const sources = [
      "apps/trainer/src",
      "packages/layers/src",
      "packages/optimizers/src",
      "packages/data/src",
      "packages/tensor/src",
    ];
    const offenders: string[] = [];
    for (const source of sources) {
      const files = (await readdir(join(root, source), { recursive: true })).filter(
        (f) => f.endsWith(".ts") && !f.endsWith(".test.ts"),
      );
      for (const file of files) {
        const text = await readFile(join(root, source, file), "utf8");
        const found = text.match(
          /\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(|\b(require|import)\s*\(\s*[^"'\s)]/g,
        );
        if (found !== null) offenders.push(`${source}/${file}: ${found.join(", ")}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
