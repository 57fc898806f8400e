import { softmax } from "@backprop/layers";
import { argmaxRows, type DType, fromArray, type Tensor } from "@backprop/tensor";
import Papa from "papaparse";
import type { Preprocessing } from "./datasets.js";
import { TrainerError } from "./errors.js";

/** A decimal number as CSV files write it (the same rule as @backprop/data's CSV reader). */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads the feature matrix of a CSV file with a header row for prediction: the columns named in
 * `featureNames` (in that order, other columns ignored), or, when the header lacks some of those
 * names, exactly `featureNames.length` columns by position. Errors name the file, line and column.
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
  const byName = featureNames.map((name) => names.indexOf(name));
  let columns: number[];
  if (byName.every((i) => i >= 0)) {
    columns = byName;
  } else if (names.length === featureNames.length) {
    columns = featureNames.map((_, i) => i);
  } else {
    const missing = featureNames.filter((_, i) => byName[i]! < 0);
    throw new TrainerError(
      `${file}: the model needs ${featureNames.length} feature columns; the header has ${names.length} columns and lacks ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""}`,
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
  const values = (classification ? softmax(outputs) : outputs).data;
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
