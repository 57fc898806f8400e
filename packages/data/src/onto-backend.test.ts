import { fromArray, jsBackend, tensor } from "@backprop/tensor";
import { countingBackend, createOpaqueBackend } from "@backprop/tensor/testing";
import { describe, expect, it } from "vitest";
import { classificationDataset, datasetOnBackend, regressionDataset, subset } from "./dataset.js";
import { splitDataset } from "./split.js";

/** A dataset of four samples on a call-counting JS backend, with the counts emptied after it is made. */
function countedSource() {
  const { backend, calls } = countingBackend(jsBackend);
  const data = regressionDataset({
    features: fromArray(Float32Array.from([0, 1, 10, 11, 20, 21, 30, 31]), [4, 2], { backend }),
    targets: fromArray(Float32Array.from([5, 6, 7, 8]), [4, 1], { backend }),
  });
  for (const name of Object.keys(calls)) delete calls[name];
  return { data, calls };
}

describe("subset and splitDataset onto another backend", () => {
  it("read each row once from the source's backend, which allocates and gathers nothing", () => {
    const { data, calls } = countedSource();
    const target = createOpaqueBackend();
    const part = subset(data, [3, 0, 3], target);
    expect([part.features.backend, part.targets.backend]).toEqual([target, target]);
    expect(part.features.toArray()).toEqual([
      [30, 31],
      [0, 1],
      [30, 31],
    ]);
    expect(part.targets.toArray()).toEqual([[8], [5], [8]]);
    expect(calls).toEqual({ read: 6 });
  });

  it("move rows from an off-CPU backend", () => {
    const source = createOpaqueBackend();
    const data = classificationDataset({
      features: tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { backend: source },
      ),
      targets: Int32Array.of(1, 0),
      classNames: ["a", "b"],
    });
    const part = subset(data, [1], jsBackend);
    expect(part.features.backend).toBe(jsBackend);
    expect(part.features.toArray()).toEqual([[3, 4]]);
    expect([...part.targets]).toEqual([0]);
  });

  it("split onto a backend into the same splits as splitting first and moving after", () => {
    const target = createOpaqueBackend();
    const data = classificationDataset({
      features: fromArray(
        Float32Array.from({ length: 40 }, (_, i) => i),
        [20, 2],
      ),
      targets: Int32Array.from({ length: 20 }, (_, i) => i % 3),
      classNames: ["a", "b", "c"],
    });
    const options = { test: 0.25, validation: 0.2, rng: 7, stratify: true };
    const onto = splitDataset(data, { ...options, backend: target });
    const moved = splitDataset(data, options);
    for (const name of ["train", "validation", "test"] as const) {
      expect(onto[name].features.backend).toBe(target);
      expect(onto[name].features.toArray()).toEqual(moved[name].features.toArray());
      expect([...onto[name].targets]).toEqual([...moved[name].targets]);
    }
  });
});

describe("datasetOnBackend", () => {
  it("copies through a buffer of 2^14 elements, the last part shorter: no allocation on the source's backend", () => {
    const { backend, calls } = countingBackend(jsBackend);
    const n = 2 * 2 ** 14 + 3;
    const data = regressionDataset({
      features: fromArray(
        Float64Array.from({ length: n }, (_, i) => i / 7),
        [n, 1],
        { backend },
      ),
      targets: fromArray(
        Float64Array.from({ length: n }, (_, i) => -i),
        [n, 1],
        { backend },
      ),
    });
    for (const name of Object.keys(calls)) delete calls[name];
    const target = createOpaqueBackend();
    const moved = datasetOnBackend(data, target);
    expect(calls).toEqual({ read: 6 });
    expect(moved.features.dtype).toBe("float64");
    expect(moved.features.read()).toEqual(data.features.data);
    expect(moved.targets.read()).toEqual(data.targets.data);
  });
});
