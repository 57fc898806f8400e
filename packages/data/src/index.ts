export { type Batch, BatchIterator, type BatchIteratorOptions, type BatchIteratorState } from "./batches.js";
export { type ColumnRef, type CsvOptions, guessTask, parseCsv } from "./csv.js";
export {
  type ClassificationDataset,
  type ClassificationDatasetInit,
  classificationDataset,
  type Dataset,
  datasetOnBackend,
  datasetSize,
  type RegressionDataset,
  type RegressionDatasetInit,
  regressionDataset,
  type Splits,
  subset,
  withFeatures,
} from "./dataset.js";
export { DataError, type DataErrorLocation } from "./errors.js";
export {
  DEFAULT_MAX_IDX_BYTES,
  decodeIdx,
  encodeIdx,
  type IdxArray,
  type IdxDataType,
  type IdxReadOptions,
  type IdxTypedArray,
  isGzip,
  parseIdx,
} from "./idx.js";
export {
  DIGIT_CLASSES,
  FASHION_MNIST_CLASSES,
  type IdxDatasetOptions,
  type IdxSplitOptions,
  idxDataset,
  idxSplits,
} from "./idx-dataset.js";
export { type OneHotOptions, oneHot } from "./one-hot.js";
export {
  type MinMaxOptions,
  MinMaxScaler,
  type MinMaxScalerJSON,
  type Scaler,
  type ScalerJSON,
  StandardScaler,
  type StandardScalerJSON,
  scalerFromJSON,
} from "./scaler.js";
export {
  type RngLike,
  type SplitIndicesOptions,
  type SplitOptions,
  type SplitRows,
  splitDataset,
  splitIndices,
} from "./split.js";
export {
  type CirclesOptions,
  circles,
  type SineOptions,
  type SpiralOptions,
  type SyntheticOptions,
  sine,
  spiral,
  type XorOptions,
  xor,
} from "./synthetic.js";
