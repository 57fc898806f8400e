import { fromArray, Rng } from "@backprop/tensor";
import { createOpaqueBackend } from "@backprop/tensor/testing";
import { describe, expect, it } from "vitest";
import { BatchIterator } from "./batches.js";
import { type ClassificationDataset, classificationDataset, regressionDataset } from "./dataset.js";
import { DataError } from "./errors.js";

/** Sample i has features [i, 10·i] and label i mod 3, so a batch row can be checked against its index. */
function indexed(n: number): ClassificationDataset {
  return classificationDataset({
    features: fromArray(
      Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? k / 2 : 5 * k - 5)),
      [n, 2],
    ),
    targets: Int32Array.from({ length: n }, (_, i) => i % 3),
    classNames: ["a", "b", "c"],
  });
}

function epochIndices(batches: BatchIterator): number[][] {
  const epoch: number[][] = [];
  for (const batch of batches) epoch.push([...batch.indices.subarray(0, batch.size)]);
  return epoch;
}

describe("BatchIterator", () => {
  it("covers every sample exactly once per epoch, with matching features and labels", () => {
    const ds = indexed(23);
    const batches = new BatchIterator(ds, { batchSize: 5, rng: 1 });
    expect(batches.batchesPerEpoch).toBe(5);
    for (let epoch = 0; epoch < 3; epoch++) {
      const seen: number[] = [];
      const sizes: number[] = [];
      for (const batch of batches) {
        expect(batch.epoch).toBe(epoch);
        sizes.push(batch.size);
        for (let r = 0; r < batch.size; r++) {
          const i = batch.indices[r]!;
          seen.push(i);
          expect(batch.features.get(r, 0)).toBe(i);
          expect(batch.features.get(r, 1)).toBe(10 * i);
          expect(batch.targets[r]).toBe(i % 3);
        }
      }
      expect(sizes).toEqual([5, 5, 5, 5, 3]);
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
      expect(batches.epoch).toBe(epoch + 1);
    }
  });

  it("drops the last partial batch on request", () => {
    const batches = new BatchIterator(indexed(23), { batchSize: 5, dropLast: true });
    expect(batches.batchesPerEpoch).toBe(4);
    const epoch = epochIndices(batches);
    expect(epoch.map((b) => b.length)).toEqual([5, 5, 5, 5]);
    expect(new Set(epoch.flat()).size).toBe(20);
  });

  it("gives the same order for the same seed, new orders each epoch, and dataset order without shuffle", () => {
    const ds = indexed(20);
    const a = new BatchIterator(ds, { batchSize: 4, rng: 9 });
    const b = new BatchIterator(ds, { batchSize: 4, rng: new Rng(9) });
    const c = new BatchIterator(ds, { batchSize: 4, rng: 10 });
    const a1 = epochIndices(a);
    expect(epochIndices(b)).toEqual(a1);
    expect(epochIndices(c)).not.toEqual(a1);
    expect(epochIndices(a)).not.toEqual(a1);
    const plain = new BatchIterator(ds, { batchSize: 8, shuffle: false });
    expect(epochIndices(plain).flat()).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("resumes from a saved state with identical remaining batches, mid-epoch and between epochs", () => {
    const ds = indexed(50);
    for (const stopAfter of [0, 3, 7, 13, 14, 26]) {
      const reference = new BatchIterator(ds, { batchSize: 7, rng: 4 });
      const interrupted = new BatchIterator(ds, { batchSize: 7, rng: 4 });
      const expected: number[][] = [];
      const consume = (it: BatchIterator, count: number, into?: number[][]) => {
        for (let k = 0; k < count; k++) {
          const batch = it.next();
          into?.push(batch === null ? [-1] : [...batch.indices.subarray(0, batch.size)]);
        }
      };
      // 8 calls per epoch: 7 batches and the null that ends it.
      consume(reference, stopAfter);
      consume(reference, 30, expected);
      consume(interrupted, stopAfter);
      const saved = JSON.parse(JSON.stringify(interrupted.state()));
      const resumed = new BatchIterator(ds, { batchSize: 7, rng: 12345 });
      resumed.loadState(saved);
      const actual: number[][] = [];
      consume(resumed, 30, actual);
      expect(actual).toEqual(expected);
      expect(resumed.epoch).toBe(reference.epoch);
    }
  });

  it("reuses its batch buffers: one set for full batches, one for the partial batch", () => {
    const batches = new BatchIterator(indexed(10), { batchSize: 4 });
    const first = [...batches];
    const second = [...batches];
    expect(first[0]).toBe(first[1]);
    expect(second[0]).toBe(first[0]);
    expect(second[0]!.features).toBe(first[0]!.features);
    expect(second[0]!.targets).toBe(first[0]!.targets);
    expect(first[2]).not.toBe(first[0]);
    expect(second[2]!.features).toBe(first[2]!.features);
    expect(first[2]!.features.shape).toEqual([2, 2]);
  });

  it("batches regression targets as tensors", () => {
    const ds = regressionDataset({
      features: fromArray([0, 1, 2, 3, 4], [5, 1]),
      targets: fromArray([0, 2, 4, 6, 8], [5, 1]),
    });
    const batches = new BatchIterator(ds, { batchSize: 2, rng: 2 });
    let rows = 0;
    for (const batch of batches) {
      for (let r = 0; r < batch.size; r++) expect(batch.targets.get(r, 0)).toBe(2 * batch.features.get(r, 0));
      rows += batch.size;
    }
    expect(rows).toBe(5);
  });

  it("rejects bad options and a state that does not fit", () => {
    const ds = indexed(10);
    expect(() => new BatchIterator(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    const state = new BatchIterator(ds, { batchSize: 4 }).state();
    expect(() => new BatchIterator(ds, { batchSize: 5 }).loadState(state)).toThrow(
      /state has batchSize 4, this iterator has 5/,
    );
    expect(() => new BatchIterator(indexed(11), { batchSize: 4 }).loadState(state)).toThrow(
      /samples 10, this iterator has 11/,
    );
    const iterator = new BatchIterator(ds, { batchSize: 4 });
    expect(() => iterator.loadState({ ...state, batch: 9 })).toThrow(/batch 9 is outside \[0, 3\]/);
    expect(() => iterator.loadState({ ...state, rng: { ...state.rng, words: [0, 0, 0, 0] } })).toThrow(
      DataError,
    );
  });
});

describe("BatchIterator on a backend whose memory is not a CPU array", () => {
  it("gathers the same batches from a dataset on the opaque test backend (rows move through read / write)", () => {
    const js = indexed(23);
    const backend = createOpaqueBackend();
    const opaque = { ...js, features: fromArray(js.features.read(), [23, 2], { backend }) };
    const onJs = new BatchIterator(js, { batchSize: 5, rng: 4 });
    const onOpaque = new BatchIterator(opaque, { batchSize: 5, rng: 4 });
    for (let b = onJs.next(); b !== null; b = onJs.next()) {
      const other = onOpaque.next()!;
      expect(other.features.backend).toBe(backend);
      expect(Array.from(other.features.read())).toEqual(Array.from(b.features.read()));
      expect(Array.from(other.targets)).toEqual(Array.from(b.targets));
    }
  });
});
