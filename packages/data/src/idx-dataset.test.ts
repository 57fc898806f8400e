import { jsBackend } from "@backprop/tensor";
import { countingBackend, createOpaqueBackend } from "@backprop/tensor/testing";
import { describe, expect, it } from "vitest";
import type { ClassificationDataset } from "./dataset.js";
import { DataError } from "./errors.js";
import type { IdxArray } from "./idx.js";
import { idxDataset, idxSplits } from "./idx-dataset.js";
import { splitDataset } from "./split.js";

/** n 2×3 images whose pixel p of image i is 7·i + p, labels i mod `classes`. */
function idxPair(n: number, classes: number): { images: IdxArray; labels: IdxArray } {
  return {
    images: {
      type: "uint8",
      shape: [n, 2, 3],
      data: Uint8Array.from({ length: 6 * n }, (_, k) => 7 * Math.floor(k / 6) + (k % 6)),
    },
    labels: { type: "uint8", shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % classes) },
  };
}

const rowsOf = (d: ClassificationDataset) => ({ features: d.features.toArray(), targets: [...d.targets] });

describe("idxDataset", () => {
  it("scales pixels to [0, 1] in file order, names the classes and the pixels", () => {
    const { images, labels } = idxPair(3, 2);
    const data = idxDataset(images, labels, { dtype: "float64" });
    expect(data.features.toArray()).toEqual(
      [0, 7, 14].map((first) => [0, 1, 2, 3, 4, 5].map((p) => (first + p) / 255)),
    );
    expect([...data.targets]).toEqual([0, 1, 0]);
    expect(data.classNames).toEqual(["0", "1"]);
    expect(data.featureNames[5]).toBe("pixel5");
  });

  it("converts only the given rows, in their order, straight onto the backend", () => {
    const { images, labels } = idxPair(40, 3);
    const whole = idxDataset(images, labels);
    const { backend, calls } = countingBackend(createOpaqueBackend());
    const rows = Int32Array.from([39, 0, 17, 17, ...Array.from({ length: 16 }, (_, i) => 2 * i)]);
    const part = idxDataset(images, labels, { rows, backend });
    // 20 rows of 6 pixels in writes of 16 rows: one allocation, two writes, nothing else.
    expect({ ...calls }).toEqual({ allocate: 1, write: 2 });
    expect(part.features.backend).toBe(backend);
    const all = whole.features.toArray() as number[][];
    const expected = [...rows].map((r) => all[r]);
    expect(part.features.toArray()).toEqual(expected);
    expect([...part.targets]).toEqual([...rows].map((r) => r % 3));
  });

  it("refuses a row outside the samples, counting `limit`", () => {
    const { images, labels } = idxPair(5, 2);
    expect(() => idxDataset(images, labels, { rows: Int32Array.from([4]), limit: 4 })).toThrow(
      new DataError("idxDataset", "rows[0] = 4 is outside the samples [0, 4)"),
    );
    expect(() => idxDataset(images, labels, { rows: Int32Array.from([0, -1]) })).toThrow(/rows\[1\] = -1/);
  });

  it("refuses labels beyond the class names, naming the file and the byte offset", () => {
    const { images, labels } = idxPair(4, 4);
    expect(() => idxDataset(images, labels, { classNames: ["a", "b", "c"], labelsFile: "l.idx" })).toThrow(
      "idxDataset: l.idx, byte offset 11: label 3 of sample 3 is not below the 3 classes",
    );
  });
});

describe("idxSplits", () => {
  it("makes the splits splitDataset makes of the whole dataset, bit for bit, on the target backend", () => {
    const { images, labels } = idxPair(103, 10);
    for (const options of [
      { test: 0.2, validation: 0.1, rng: 4, stratify: true },
      { test: 0, validation: 0.25, rng: 9 },
      { test: 0.3 },
    ]) {
      const expected = splitDataset(idxDataset(images, labels, { limit: 90 }), options);
      const target = createOpaqueBackend();
      const actual = idxSplits(images, labels, { ...options, limit: 90, backend: target });
      for (const part of ["train", "validation", "test"] as const) {
        expect(actual[part].features.backend).toBe(target);
        expect(rowsOf(actual[part])).toEqual(rowsOf(expected[part]));
        expect(actual[part].classNames).toEqual(expected[part].classNames);
      }
    }
  });

  it("checks the fractions as splitDataset does", () => {
    const { images, labels } = idxPair(10, 2);
    expect(() => idxSplits(images, labels, { test: 0.5, validation: 0.5, backend: jsBackend })).toThrow(
      "test + validation fractions must leave samples for training, got 0.5 + 0.5",
    );
  });
});
