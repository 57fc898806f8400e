import { softmax } from "@backprop/layers";
import { argmaxRows, type DType, fromArray, type Tensor } from "@backprop/tensor";
import Papa from "papaparse";
import type { Preprocessing } from "./datasets.js";
import { TrainerError } from "./errors.js";

/** A decimal number as CSV files write it (the same rule as @backprop/data's CSV reader). */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `a, b, c, d, e, …` (at most five names). */
function listNames(names: readonly string[]): string {
  return `${names.slice(0, 5).join(", ")}${names.length > 5 ? `, … (${names.length} in all)` : ""}`;
}

/**
 * Reads the feature matrix of a CSV file with a header row for prediction: the columns named in
 * `featureNames`, matched by name (in that order; other columns are ignored). A header that lacks
 * one of them, or a file without a header, is refused with the expected and the actual names, never
 * read by position. Errors name the file, line and column.
 */
export function parseFeatureCsv(
  text: string,
  featureNames: readonly string[],
  file: string,
  dtype: DType,
): Tensor {
  const parsed = Papa.parse<string[]>(text.trim(), { skipEmptyLines: true });
  const error = parsed.errors[0];
  if (error !== undefined) throw new TrainerError(`${file}, line ${(error.row ?? 0) + 1}: ${error.message}`);
  const [header, ...rows] = parsed.data;
  if (header === undefined)
    throw new TrainerError(`${file} is empty: expected a header row and one row per sample`);
  const names = header.map((name) => name.trim());
  if (names.every((name) => NUMBER.test(name))) {
    throw new TrainerError(
      `${file}: line 1 holds numbers, but it must be a header row naming the model's features: ${listNames(featureNames)}`,
    );
  }
  const columns = featureNames.map((name) => names.indexOf(name));
  const missing = featureNames.filter((_, i) => columns[i]! < 0);
  if (missing.length > 0) {
    const unused = names.filter((name) => !featureNames.includes(name));
    throw new TrainerError(
      `${file}: the model's features are ${listNames(featureNames)}; the header has ${listNames(names)} (missing: ${listNames(missing)}${unused.length > 0 ? `; not features: ${listNames(unused)}` : ""})`,
    );
  }
  const d = columns.length;
  const values = new Float64Array(rows.length * d);
  rows.forEach((row, r) => {
    columns.forEach((column, j) => {
      const field = row[column]?.trim() ?? "";
      if (!NUMBER.test(field)) {
        throw new TrainerError(
          `${file}, line ${r + 2}, column "${names[column] ?? column}": expected a number, got ${JSON.stringify(field)}`,
        );
      }
      values[r * d + j] = Number(field);
    });
  });
  return fromArray(dtype === "float64" ? values : Float32Array.from(values), [rows.length, d]);
}

/** One prediction row: the class and its probabilities, or the regression outputs. */
export type PredictionRow = Record<string, string | number>;

/** Model outputs as rows: `{ prediction, p_<class>… }` (softmax of the logits) or `{ <target>… }`. */
export function predictionRows(outputs: Tensor, preprocessing: Preprocessing): PredictionRow[] {
  const [n, k] = outputs.shape as [number, number];
  const classification = preprocessing.task === "classification";
  const values = (classification ? softmax(outputs) : outputs).read();
  const names = classification ? preprocessing.classNames! : preprocessing.targetNames!;
  const predicted = classification ? argmaxRows(outputs) : undefined;
  const rows: PredictionRow[] = [];
  for (let i = 0; i < n; i++) {
    const row: PredictionRow = {};
    if (predicted !== undefined) row.prediction = names[predicted[i]!]!;
    names.forEach((name, j) => {
      row[classification ? `p_${name}` : name] = values[i * k + j]!;
    });
    rows.push(row);
  }
  return rows;
}

/** Prediction rows as CSV text with a header. */
export function predictionCsv(rows: readonly PredictionRow[]): string {
  return `${Papa.unparse(rows as PredictionRow[], { newline: "\n" })}\n`;
}
