import { type Dataset, parseCsv } from "@backprop/data";
import type { Point } from "./datasets.js";
import { DOMAIN } from "./features.js";

/** The columns of a CSV file and the first guess of which to use. */
export interface CsvColumns {
  columns: string[];
  x: string;
  y: string;
  label: string;
}

/**
 * The CSV's column names: its header, read by @backprop/data's parser from the header and one
 * blank-valued row (so non-numeric columns are fine); the first two are guessed as the features, the last as the label.
 */
export function csvColumns(text: string): CsvColumns {
  const header = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const probe = (target: number) =>
    parseCsv(`${header}\n${header.replace(/("[^"]*"|[^,])+/g, "0")}\n`, { target, task: "regression" })
      .featureNames;
  const others = probe(0);
  if (others.length < 2)
    throw new Error(
      `the CSV needs at least 3 columns (two features and a label), it has ${others.length + 1}`,
    );
  const columns = [probe(1)[0]!, ...others];
  return { columns, x: columns[0]!, y: columns[1]!, label: columns[columns.length - 1]! };
}

/**
 * Points from two feature columns and a label column: each feature rescaled linearly to [−5, 5]
 * (the pictures show [−6, 6]); classification needs exactly two classes (the first in sorted order
 * is −1, the second +1), regression targets are rescaled to [−1, 1].
 */
export function csvPoints(
  text: string,
  choice: { x: string; y: string; label: string },
): { points: Point[]; task: "classification" | "regression"; classNames: string[] | undefined } {
  const data: Dataset = parseCsv(text, {
    target: choice.label,
    features: [choice.x, choice.y],
    dtype: "float64",
  });
  const features = data.features.read();
  const n = data.features.shape[0]!;
  const scaled = [0, 1].map((column) => {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      low = Math.min(low, features[2 * i + column]!);
      high = Math.max(high, features[2 * i + column]!);
    }
    const range = high - low || 1;
    return (v: number) => ((v - low) / range) * 2 * (DOMAIN - 1) - (DOMAIN - 1);
  });
  const sx = scaled[0]!;
  const sy = scaled[1]!;
  if (data.task === "classification") {
    if (data.classNames.length !== 2) {
      throw new Error(
        `column "${choice.label}" has ${data.classNames.length} classes (${data.classNames.slice(0, 5).join(", ")}); the playground classifies two`,
      );
    }
    const points = Array.from({ length: n }, (_, i) => ({
      x: sx(features[2 * i]!),
      y: sy(features[2 * i + 1]!),
      label: data.targets[i] === 1 ? 1 : -1,
    }));
    return { points, task: "classification", classNames: [...data.classNames] };
  }
  const targets = data.targets.read();
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const v of targets) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  const range = high - low || 1;
  const points = Array.from({ length: n }, (_, i) => ({
    x: sx(features[2 * i]!),
    y: sy(features[2 * i + 1]!),
    label: ((targets[i]! - low) / range) * 2 - 1,
  }));
  return { points, task: "regression", classNames: undefined };
}
