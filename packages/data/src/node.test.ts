import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createOpaqueBackend } from "@backprop/tensor/testing";
import { afterAll, describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import { encodeIdx } from "./idx.js";
import {
  EXAMPLE_DATASETS_DIR,
  FASHION_MNIST_DIR,
  loadFashionMnist,
  loadFashionMnistSplits,
  loadIris,
  loadMnist,
  loadMnistSplits,
  loadStackloss,
  readCsvFile,
  readIdxFile,
} from "./node.js";
import { splitDataset } from "./split.js";

const dir = mkdtempSync(join(tmpdir(), "backprop-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a small MNIST-layout set: `count` 28×28 images whose pixel p of image i is (i + p) mod 256. */
function writeIdxSet(target: string, prefix: "train" | "t10k", count: number, gzip: boolean): void {
  const images = new Uint8Array(count * 784).map((_, k) => (Math.floor(k / 784) + (k % 784)) % 256);
  const labels = Uint8Array.from({ length: count }, (_, i) => (3 * i) % 10);
  const write = (name: string, bytes: Uint8Array) =>
    writeFileSync(join(target, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  write(`${prefix}-images-idx3-ubyte`, encodeIdx({ type: "uint8", shape: [count, 28, 28], data: images }));
  write(`${prefix}-labels-idx1-ubyte`, encodeIdx({ type: "uint8", shape: [count], data: labels }));
}

describe("readIdxFile", () => {
  it("reads raw and gzipped files", () => {
    const bytes = encodeIdx({ type: "int32", shape: [2, 2], data: Int32Array.from([1, -2, 3, -4]) });
    writeFileSync(join(dir, "a.idx"), bytes);
    writeFileSync(join(dir, "a.idx.gz"), gzipSync(bytes));
    expect(readIdxFile(join(dir, "a.idx"))).toEqual(readIdxFile(join(dir, "a.idx.gz")));
    expect([...readIdxFile(join(dir, "a.idx.gz")).data]).toEqual([1, -2, 3, -4]);
  });

  it("names the file in every error", () => {
    const path = join(dir, "bad.gz");
    writeFileSync(path, gzipSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1, 2])));
    expect(() => readIdxFile(path)).toThrow(
      `parseIdx: ${path}, byte offset 8: dims [5] × itemsize 1 need 5 data bytes`,
    );
    const corrupt = join(dir, "corrupt.gz");
    writeFileSync(corrupt, gzipSync(new Uint8Array(100)).subarray(0, 20));
    expect(() => readIdxFile(corrupt)).toThrow(`readIdxFile: ${corrupt}: gzip decompression failed`);
    expect(() => readIdxFile(join(dir, "missing"))).toThrow(
      /readIdxFile: .*missing: cannot read the file: ENOENT/,
    );
  });

  it("refuses gzip input that decompresses to more than maxBytes, before holding it", () => {
    const big = encodeIdx({ type: "uint8", shape: [1 << 20], data: new Uint8Array(1 << 20) });
    const path = join(dir, "bomb.idx.gz");
    writeFileSync(path, gzipSync(big));
    expect(readIdxFile(path).data.length).toBe(1 << 20);
    expect(() => readIdxFile(path, { maxBytes: 1 << 19 })).toThrow(
      `readIdxFile: ${path}: gzip input decompresses to more than maxBytes = 524288 bytes`,
    );
    expect(() => readIdxFile(path, { maxBytes: 0 })).toThrow("maxBytes must be a positive integer, got 0");
  });
});

describe("loadFashionMnist / loadMnist from IDX directories", () => {
  it("loads a generated gzipped Fashion-MNIST subset with its class names", () => {
    const fashion = join(dir, "fashion");
    makeEmptyDir(fashion);
    writeIdxSet(fashion, "train", 12, true);
    writeIdxSet(fashion, "t10k", 5, true);
    const train = loadFashionMnist({ dataDir: fashion });
    expect(train.features.shape).toEqual([12, 784]);
    expect(train.classNames[9]).toBe("Ankle boot");
    expect([...train.targets]).toEqual([0, 3, 6, 9, 2, 5, 8, 1, 4, 7, 0, 3]);
    expect(train.features.get(2, 5)).toBeCloseTo(7 / 255, 7);
    const test = loadFashionMnist({ dataDir: fashion, split: "test", limit: 3, dtype: "float64" });
    expect(test.features.shape).toEqual([3, 784]);
    expect(test.features.get(1, 0)).toBe(1 / 255);
  });

  it("splits as it loads: the rows splitDataset takes of the loaded file, on the backend asked for", () => {
    const fashion = join(dir, "fashion-splits");
    makeEmptyDir(fashion);
    writeIdxSet(fashion, "train", 50, true);
    const options = { test: 0.2, validation: 0.1, rng: 3, stratify: true };
    const target = createOpaqueBackend();
    const splits = loadFashionMnistSplits({ dataDir: fashion, ...options, backend: target });
    const expected = splitDataset(loadFashionMnist({ dataDir: fashion }), options);
    for (const part of ["train", "validation", "test"] as const) {
      expect(splits[part].features.backend).toBe(target);
      expect(splits[part].features.toArray()).toEqual(expected[part].features.toArray());
      expect([...splits[part].targets]).toEqual([...expected[part].targets]);
    }
    expect(splits.test.classNames).toEqual(expected.test.classNames);
    const mnist = loadMnistSplits({ dataDir: fashion, test: 0.5 });
    expect(mnist.test.classNames[9]).toBe("9");
    expect(() => loadMnistSplits({ dataDir: fashion, split: "dev" as "test" })).toThrow(
      'loadMnistSplits: split must be "train" or "test", got "dev"',
    );
  });

  it("loads uncompressed MNIST files", () => {
    const mnist = join(dir, "mnist");
    makeEmptyDir(mnist);
    writeIdxSet(mnist, "t10k", 4, false);
    const test = loadMnist({ dataDir: mnist, split: "test" });
    expect(test.features.shape).toEqual([4, 784]);
    expect(test.classNames).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  });

  it("says which files are missing where, and which Debian package has them", () => {
    const empty = join(dir, "empty");
    makeEmptyDir(empty);
    const error = (() => {
      try {
        loadFashionMnist({ dataDir: empty });
      } catch (e) {
        return e;
      }
    })() as DataError;
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toContain(`none of train-images-idx3-ubyte.gz, train-images-idx3-ubyte`);
    expect(error.message).toContain(empty);
    expect(error.message).toContain("apt-get install dataset-fashion-mnist");
    expect(() => loadMnist({ dataDir: empty, split: "test" })).toThrow(/t10k-images-idx3-ubyte.gz.*found in/);
  });

  it("rejects images and labels that do not belong together", () => {
    const mixed = join(dir, "mixed");
    makeEmptyDir(mixed);
    writeIdxSet(mixed, "train", 3, false);
    writeFileSync(
      join(mixed, "train-labels-idx1-ubyte"),
      encodeIdx({ type: "uint8", shape: [2], data: new Uint8Array(2) }),
    );
    expect(() => loadMnist({ dataDir: mixed })).toThrow(/train-labels-idx1-ubyte: 3 images but 2 labels/);
  });

  it.runIf(existsSync(FASHION_MNIST_DIR))(
    "loads the real Fashion-MNIST from Debian's dataset-fashion-mnist",
    () => {
      const test = loadFashionMnist({ split: "test" });
      expect(test.features.shape).toEqual([10000, 784]);
      const counts = new Array<number>(10).fill(0);
      for (const label of test.targets) counts[label]!++;
      expect(counts).toEqual(new Array(10).fill(1000));
      const train = loadFashionMnist({ limit: 100 });
      expect(train.features.shape).toEqual([100, 784]);
    },
  );
});

describe("CSV files", () => {
  it("names the file in errors", () => {
    const path = join(dir, "broken.csv");
    writeFileSync(path, "a,b\n1,4\n2,\n");
    expect(() => readCsvFile(path, { target: "a" })).toThrow(
      `parseCsv: ${path}, line 3, column "b": missing value, expected a number`,
    );
  });

  it("loads the shipped Iris and stack loss data", () => {
    expect(existsSync(join(EXAMPLE_DATASETS_DIR, "README.md"))).toBe(true);
    const iris = loadIris();
    expect(iris.features.shape).toEqual([150, 4]);
    expect(iris.classNames).toEqual(["setosa", "versicolor", "virginica"]);
    expect([0, 1, 2].map((c) => iris.targets.filter((t) => t === c).length)).toEqual([50, 50, 50]);
    expect(iris.featureNames).toEqual(["sepal_length", "sepal_width", "petal_length", "petal_width"]);
    const stackloss = loadStackloss({ dtype: "float64" });
    expect(stackloss.features.shape).toEqual([21, 3]);
    expect(stackloss.targets.toArray()).toContainEqual([42]);
    let sum = 0;
    for (const v of stackloss.targets.data) sum += v;
    expect(sum / 21).toBeCloseTo(17.5238, 4); // mean stack loss, as R's summary(stackloss) prints
  });
});

function makeEmptyDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
}
