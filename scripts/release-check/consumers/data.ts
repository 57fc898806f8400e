import { BatchIterator, type ClassificationDataset, spiral, splitDataset } from "@backprop/data";

const ds: ClassificationDataset = spiral({ samplesPerClass: 20, classes: 3, noise: 0.1 });
const { train } = splitDataset(ds, { test: 0.25, rng: 1 });
const batches = new BatchIterator(train, { batchSize: 8, rng: 2 });
export const consumerBatchesPerEpoch: number = batches.batchesPerEpoch;
