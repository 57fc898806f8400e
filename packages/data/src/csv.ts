import { allocateArray, type DType, fromArray, type Tensor } from "@backprop/tensor";
import Papa from "papaparse";
import {
  type ClassificationDataset,
  classificationDataset,
  type Dataset,
  type RegressionDataset,
  regressionDataset,
} from "./dataset.js";
import { DataError, type DataErrorLocation } from "./errors.js";

/** A column by header name or 0-based index. */
export type ColumnRef = string | number;

/** How `parseCsv` reads a table: which column(s) are the target, the task, and the columns to use as features. */
export interface CsvOptions {
  /** The target column (name or 0-based index); several columns for a multi-output regression. */
  target: ColumnRef | readonly ColumnRef[];
  /**
   * "classification": target values are class labels (strings), mapped to indices;
   * "regression": target values are numbers. Unless given, `guessTask` decides: classification when
   * any target value is not a number or the target is a few distinct integers (wine's 0/1/2),
   * regression otherwise.
   */
  task?: "classification" | "regression";
  /** Feature columns, in this order; every column except the targets unless given. */
  features?: readonly ColumnRef[];
  /** Field delimiter, "," unless given. Fields may be quoted with `"` (`""` inside is a quote). */
  delimiter?: string;
  /** A fixed label → index mapping (index = position); a label not in it is an error. */
  classNames?: readonly string[];
  /**
   * How labels are numbered when `classNames` is not given: "sorted" (default; numerically when every
   * label is a number, else by code unit) or "first-seen" (in order of first appearance).
   */
  labelOrder?: "sorted" | "first-seen";
  /** Feature and regression-target dtype; float32 unless given. */
  dtype?: DType;
  /** Names the input in error messages. */
  file?: string;
}

/** A decimal number as CSV files write it: `-1`, `2.5`, `.5`, `3.`, `1e-3`. No hex, no `NaN`, no `Infinity`. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

interface Row {
  fields: string[];
  line: number;
}

function readRows(text: string, delimiter: string, file: string | undefined): Row[] {
  const rows: Row[] = [];
  let failure: DataError | undefined;
  let rowStart = 0;
  let scanned = 0;
  let line = 1;
  const lineAt = (position: number): number => {
    for (; scanned < position; scanned++) if (text.charCodeAt(scanned) === 10) line++;
    return line;
  };
  Papa.parse<string[]>(text, {
    delimiter,
    skipEmptyLines: false,
    step: (result, parser) => {
      const rowLine = lineAt(rowStart);
      rowStart = result.meta.cursor;
      const error = result.errors[0];
      if (error !== undefined) {
        const where: DataErrorLocation = file === undefined ? { line: rowLine } : { file, line: rowLine };
        failure = new DataError("parseCsv", `${error.message} (${error.code})`, where);
        parser.abort();
        return;
      }
      const fields = result.data;
      if (fields.length === 1 && fields[0]!.trim() === "") return;
      rows.push({ fields, line: rowLine });
    },
  });
  if (failure !== undefined) throw failure;
  return rows;
}

/** The most distinct integer values a target may have to be guessed a class label (a few dozen at most). */
const MAX_GUESSED_CLASSES = 20;

/**
 * The task a target column's values suggest: classification when any value is not a number
 * ("setosa"), or when every value is an integer and there are few distinct ones (at most 20, and at
 * most a fifth of the rows: wine's 0/1/2 of 178 rows, not 21 integer stack losses); else regression.
 */
export function guessTask(values: readonly string[]): "classification" | "regression" {
  const present = values.filter((v) => v !== "");
  if (present.some((v) => !NUMBER.test(v))) return "classification";
  if (!present.every((v) => Number.isInteger(Number(v)))) return "regression";
  const distinct = new Set(present.map(Number)).size;
  return distinct <= Math.min(MAX_GUESSED_CLASSES, present.length / 5) ? "classification" : "regression";
}

function sortLabels(labels: string[]): string[] {
  if (labels.every((label) => NUMBER.test(label))) return labels.sort((a, b) => Number(a) - Number(b));
  return labels.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Parses CSV text with a header row into a dataset: numeric feature columns and a target column
 * chosen by name or index; string class labels become indices (`classNames` keeps the mapping).
 * A missing or malformed value, a row with the wrong number of fields or an unterminated quote is
 * a `DataError` naming the line and the column. Runs anywhere (no file access): in Node,
 * `readCsvFile` from `@backprop/data/node` reads a file and calls this.
 */
export function parseCsv(
  text: string,
  options: CsvOptions & { task: "classification" },
): ClassificationDataset;
export function parseCsv(text: string, options: CsvOptions & { task: "regression" }): RegressionDataset;
export function parseCsv(text: string, options: CsvOptions): Dataset;
export function parseCsv(text: string, options: CsvOptions): Dataset {
  const op = "parseCsv";
  const { file } = options;
  const at = (location: DataErrorLocation): DataErrorLocation =>
    file === undefined ? location : { file, ...location };
  const delimiter = options.delimiter ?? ",";
  if (delimiter.length === 0 || /["\r\n]/.test(delimiter)) {
    throw new DataError(
      op,
      `delimiter must be a non-empty string without quotes or line breaks, got ${JSON.stringify(delimiter)}`,
    );
  }
  const rows = readRows(text.startsWith("\uFEFF") ? text.slice(1) : text, delimiter, file);
  const header = rows.shift();
  if (header === undefined) throw new DataError(op, "expected a header row, got no rows", at({}));
  const columns = header.fields.map((name) => name.trim());
  if (columns.every((name) => NUMBER.test(name))) {
    throw new DataError(
      op,
      `the first row holds only numbers (${columns.slice(0, 4).join(",")}${columns.length > 4 ? ",…" : ""}), but it must be a header row naming the columns; add one (e.g. ${columns
        .map((_, i) => `x${i}`)
        .slice(0, 3)
        .join(",")}${columns.length > 3 ? ",…" : ""})`,
      at({ line: header.line }),
    );
  }
  columns.forEach((name, i) => {
    if (columns.indexOf(name) !== i)
      throw new DataError(op, `duplicate column name "${name}"`, at({ line: header.line }));
  });
  const resolve = (ref: ColumnRef, role: string): number => {
    const index = typeof ref === "number" ? ref : columns.indexOf(ref.trim());
    if (!Number.isInteger(index) || index < 0 || index >= columns.length) {
      throw new DataError(
        op,
        `${role} column ${JSON.stringify(ref)} not found; columns are ${JSON.stringify(columns)}`,
        at({}),
      );
    }
    return index;
  };
  const targetRefs: readonly ColumnRef[] = Array.isArray(options.target)
    ? options.target
    : [options.target as ColumnRef];
  if (targetRefs.length === 0) throw new DataError(op, "expected at least one target column", at({}));
  const targetColumns = targetRefs.map((ref) => resolve(ref, "target"));
  const featureColumns =
    options.features === undefined
      ? columns.map((_, i) => i).filter((i) => !targetColumns.includes(i))
      : options.features.map((ref) => resolve(ref, "feature"));
  for (const c of featureColumns) {
    if (targetColumns.includes(c))
      throw new DataError(op, `column "${columns[c]}" is both a feature and a target`, at({}));
  }
  for (const row of rows) {
    if (row.fields.length !== columns.length) {
      throw new DataError(
        op,
        `expected ${columns.length} fields as in the header, got ${row.fields.length}`,
        at({ line: row.line }),
      );
    }
  }
  const dtype = options.dtype ?? "float32";
  /** The value as the tensor will hold it (float32 rounds), to refuse what would become ±Infinity. */
  const stored = dtype === "float32" ? Math.fround : (value: number) => value;
  const number = (row: Row, c: number): number => {
    const raw = row.fields[c]!.trim();
    const where = at({ line: row.line, column: columns[c]! });
    if (raw === "") throw new DataError(op, "missing value, expected a number", where);
    if (!NUMBER.test(raw)) throw new DataError(op, `expected a number, got ${JSON.stringify(raw)}`, where);
    const value = Number(raw);
    if (!Number.isFinite(stored(value)))
      throw new DataError(op, `${raw} is out of the range of ${dtype}, expected a finite number`, where);
    return value;
  };
  const n = rows.length;
  /** The numbers of `selected` columns as an [n, selected.length] tensor. */
  const numbers = (selected: readonly number[]): Tensor => {
    const width = selected.length;
    const data = allocateArray(dtype, n * width);
    for (let r = 0; r < n; r++)
      for (let j = 0; j < width; j++) data[r * width + j] = number(rows[r]!, selected[j]!);
    return fromArray(data, [n, width]);
  };
  const features = numbers(featureColumns);
  const featureNames = featureColumns.map((c) => columns[c]!);
  const targetNames = targetColumns.map((c) => columns[c]!);

  const task =
    options.task ??
    (targetColumns.length === 1
      ? guessTask(rows.map((row) => row.fields[targetColumns[0]!]!.trim()))
      : rows.some((row) => targetColumns.some((c) => !NUMBER.test(row.fields[c]!.trim() || "0")))
        ? "classification"
        : "regression");
  if (task === "regression") {
    return regressionDataset({ features, targets: numbers(targetColumns), featureNames, targetNames });
  }
  if (targetColumns.length !== 1) {
    throw new DataError(
      op,
      `classification takes one target column, got ${JSON.stringify(targetNames)}`,
      at({}),
    );
  }
  const c = targetColumns[0]!;
  const labels = rows.map((row) => {
    const label = row.fields[c]!.trim();
    if (label === "")
      throw new DataError(op, "missing class label", at({ line: row.line, column: columns[c]! }));
    return label;
  });
  let classNames: readonly string[];
  if (options.classNames !== undefined) {
    classNames = options.classNames;
  } else {
    const seen = [...new Set(labels)];
    classNames = (options.labelOrder ?? "sorted") === "sorted" ? sortLabels(seen) : seen;
  }
  const indexOf = new Map(classNames.map((name, i) => [name, i]));
  const targets = new Int32Array(n);
  rows.forEach((row, r) => {
    const index = indexOf.get(labels[r]!);
    if (index === undefined) {
      const message = `class label ${JSON.stringify(labels[r])} is not one of ${JSON.stringify(classNames)}`;
      throw new DataError(op, message, at({ line: row.line, column: columns[c]! }));
    }
    targets[r] = index;
  });
  return classificationDataset({ features, targets, classNames, featureNames });
}
