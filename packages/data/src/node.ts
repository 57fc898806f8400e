/**
 * `@backprop/data/node`: the file-reading half of @backprop/data, for Node only (the one place this
 * package imports `node:` modules). Everything here reads bytes or text and hands them to the
 * browser-safe parsers of `@backprop/data`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { type CsvOptions, parseCsv } from "./csv.js";
import type { ClassificationDataset, Dataset, RegressionDataset, Splits } from "./dataset.js";
import { DataError } from "./errors.js";
import { type IdxArray, type IdxReadOptions, isGzip, maxIdxBytes, parseIdx, tooLargeError } from "./idx.js";
import {
  DIGIT_CLASSES,
  FASHION_MNIST_CLASSES,
  type IdxDatasetOptions,
  type IdxSplitOptions,
  idxDataset,
  idxSplits,
} from "./idx-dataset.js";

function readBytes(op: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new DataError(op, `cannot read the file: ${(cause as Error).message}`, { file: path }, { cause });
  }
}

/**
 * Reads an IDX file, gzipped (detected by its 1f 8b magic, undone with zlib, at most
 * `options.maxBytes` decompressed) or raw.
 */
export function readIdxFile(path: string, options: Pick<IdxReadOptions, "maxBytes"> = {}): IdxArray {
  const max = maxIdxBytes("readIdxFile", options);
  let bytes = readBytes("readIdxFile", path);
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: max });
    } catch (cause) {
      if ((cause as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE")
        throw tooLargeError("readIdxFile", max, { file: path });
      throw new DataError(
        "readIdxFile",
        `gzip decompression failed: ${(cause as Error).message}`,
        { file: path },
        { cause },
      );
    }
  }
  return parseIdx(bytes, { file: path });
}

/** Reads a UTF-8 CSV file into a dataset (see `parseCsv`); errors name the file, line and column. */
export function readCsvFile(
  path: string,
  options: CsvOptions & { task: "classification" },
): ClassificationDataset;
export function readCsvFile(path: string, options: CsvOptions & { task: "regression" }): RegressionDataset;
export function readCsvFile(path: string, options: CsvOptions): Dataset;
export function readCsvFile(path: string, options: CsvOptions): Dataset {
  const text = new TextDecoder("utf-8").decode(readBytes("readCsvFile", path));
  return parseCsv(text, { file: path, ...options });
}

/** Options for reading a dataset stored as the four standard IDX files in one directory: which split, and the IDX dataset options. */
export interface IdxDirectoryOptions
  extends Omit<IdxDatasetOptions, "imagesFile" | "labelsFile" | "classNames"> {
  /** "train" (train-*-ubyte) or "test" (t10k-*-ubyte); "train" unless given. */
  split?: "train" | "test";
}

/** The first of `names` that exists in `dir`, gzipped or not. */
function findFile(op: string, dir: string, names: readonly string[], hint: string): string {
  const candidates = names.flatMap((name) => [`${name}.gz`, name]);
  for (const name of candidates) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new DataError(op, `none of ${candidates.join(", ")} found in ${dir}; ${hint}`, { file: dir });
}

/** The images and labels files of one split of an IDX directory, read. */
function readIdxDirectory(op: string, dir: string, split: unknown, hint: string) {
  if (split !== "train" && split !== "test")
    throw new DataError(op, `split must be "train" or "test", got ${JSON.stringify(split)}`);
  const prefix = split === "train" ? "train" : "t10k";
  const imagesFile = findFile(op, dir, [`${prefix}-images-idx3-ubyte`, `${prefix}-images.idx3-ubyte`], hint);
  const labelsFile = findFile(op, dir, [`${prefix}-labels-idx1-ubyte`, `${prefix}-labels.idx1-ubyte`], hint);
  return { images: readIdxFile(imagesFile), labels: readIdxFile(labelsFile), imagesFile, labelsFile };
}

/** Options of the IDX directory loaders' split form: which file, the dataset's options and the split's. */
export interface IdxDirectorySplitOptions
  extends Omit<IdxSplitOptions, "imagesFile" | "labelsFile" | "classNames"> {
  /** "train" (train-*-ubyte) or "test" (t10k-*-ubyte); "train" unless given. */
  split?: "train" | "test";
}

/** An IDX directory's split, loaded whole or cut into splits as it is converted. */
function idxDirectory(op: string, dir: string, classNames: readonly string[], hint: string) {
  return {
    load(options: IdxDirectoryOptions): ClassificationDataset {
      const { split = "train", ...rest } = options;
      const { images, labels, ...files } = readIdxDirectory(op, dir, split, hint);
      return idxDataset(images, labels, { ...rest, classNames, ...files });
    },
    splits(options: IdxDirectorySplitOptions): Splits<ClassificationDataset> {
      const { split = "train", ...rest } = options;
      const { images, labels, ...files } = readIdxDirectory(op, dir, split, hint);
      return idxSplits(images, labels, { ...rest, classNames, ...files });
    },
  };
}

/** Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Options of `loadFashionMnist`: the directory with the four IDX files (Debian's dataset-fashion-mnist by default) and the split. */
export interface FashionMnistOptions extends IdxDirectoryOptions {
  /** Directory with the four IDX files; FASHION_MNIST_DIR unless given. */
  dataDir?: string;
}

/**
 * Fashion-MNIST (Zalando Research, MIT): 60,000 train / 10,000 test 28×28 grey images of 10
 * clothing classes, as 784 features in [0, 1]. Reads `train-images-idx3-ubyte.gz` etc. from
 * `dataDir`, by default where `apt-get install dataset-fashion-mnist` puts them.
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): ClassificationDataset {
  const { dataDir = FASHION_MNIST_DIR, ...rest } = options;
  return fashionMnistDirectory("loadFashionMnist", dataDir).load(rest);
}

/** Options of `loadFashionMnistSplits`: the directory, the file, and the split. */
export interface FashionMnistSplitOptions extends IdxDirectorySplitOptions {
  /** Directory with the four IDX files; FASHION_MNIST_DIR unless given. */
  dataDir?: string;
}

/**
 * `splitDataset(loadFashionMnist(options), options)` without the whole split in between: only the
 * rows each split needs are converted, straight onto `options.backend` (see `idxSplits`).
 */
export function loadFashionMnistSplits(
  options: FashionMnistSplitOptions = {},
): Splits<ClassificationDataset> {
  const { dataDir = FASHION_MNIST_DIR, ...rest } = options;
  return fashionMnistDirectory("loadFashionMnistSplits", dataDir).splits(rest);
}

function fashionMnistDirectory(op: string, dataDir: string) {
  const hint = `install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist, files in ${FASHION_MNIST_DIR}) or pass dataDir`;
  return idxDirectory(op, dataDir, FASHION_MNIST_CLASSES, hint);
}

/** Options of `loadMnist`: the directory with the four MNIST IDX files, and the split. */
export interface MnistOptions extends IdxDirectoryOptions {
  /** Directory with the four MNIST IDX files (train-images-idx3-ubyte.gz, …). */
  dataDir: string;
}

/**
 * The full MNIST digits (60,000 train / 10,000 test) from the four IDX files in `dataDir`, gzipped
 * or not. For the 10,000 digits that install with the package, see `@backprop/data/mnist`.
 */
export function loadMnist(options: MnistOptions): ClassificationDataset {
  const { dataDir, ...rest } = options;
  return mnistDirectory("loadMnist", dataDir).load(rest);
}

/** Options of `loadMnistSplits`: the directory, the file, and the split. */
export interface MnistSplitOptions extends IdxDirectorySplitOptions {
  /** Directory with the four MNIST IDX files. */
  dataDir: string;
}

/** `splitDataset(loadMnist(options), options)`, converting only each split's rows (see `idxSplits`). */
export function loadMnistSplits(options: MnistSplitOptions): Splits<ClassificationDataset> {
  const { dataDir, ...rest } = options;
  return mnistDirectory("loadMnistSplits", dataDir).splits(rest);
}

function mnistDirectory(op: string, dataDir: string) {
  const hint =
    "pass the directory holding the MNIST IDX files as dataDir (or use loadDigits from @backprop/data/mnist)";
  return idxDirectory(op, dataDir, DIGIT_CLASSES, hint);
}

/** The directory of the example CSV files shipped with the package (`iris.csv`, `stackloss.csv`). */
export const EXAMPLE_DATASETS_DIR: string = fileURLToPath(new URL("../datasets/", import.meta.url));

/**
 * Fisher's Iris data (150 flowers, 4 measurements in cm, 3 species; public domain), from the CSV
 * shipped in `datasets/iris.csv`. Classes sorted: setosa, versicolor, virginica.
 */
export function loadIris(options: Pick<CsvOptions, "dtype"> = {}): ClassificationDataset {
  return readCsvFile(join(EXAMPLE_DATASETS_DIR, "iris.csv"), {
    ...options,
    target: "species",
    task: "classification",
  });
}

/**
 * Brownlee's stack loss plant data (21 days; air flow, water temperature and acid concentration →
 * stack loss; public domain), from the CSV shipped in `datasets/stackloss.csv`.
 */
export function loadStackloss(options: Pick<CsvOptions, "dtype"> = {}): RegressionDataset {
  return readCsvFile(join(EXAMPLE_DATASETS_DIR, "stackloss.csv"), {
    ...options,
    target: "stack_loss",
    task: "regression",
  });
}
