import { describe, expect, it } from "vitest";
import { csvColumns, csvPoints } from "./csv-data.js";

const CSV = "height,weight,age,kind\n1,10,5,cat\n3,30,7,dog\n2,20,9,cat\n";

describe("CSV data", () => {
  it("lists the columns and guesses the first two as features, the last as the label", () => {
    expect(csvColumns(CSV)).toEqual({
      columns: ["height", "weight", "age", "kind"],
      x: "height",
      y: "weight",
      label: "kind",
    });
  });

  it("rescales the chosen features to [−5, 5] and labels two classes ±1 (sorted: cat −1, dog +1)", () => {
    const { points, task, classNames } = csvPoints(CSV, { x: "age", y: "height", label: "kind" });
    expect(task).toBe("classification");
    expect(classNames).toEqual(["cat", "dog"]);
    expect(points).toEqual([
      { x: -5, y: -5, label: -1 },
      { x: 0, y: 5, label: 1 },
      { x: 5, y: 0, label: -1 },
    ]);
  });

  it("regression targets are rescaled to [−1, 1]", () => {
    const { points, task } = csvPoints(CSV, { x: "height", y: "weight", label: "age" });
    expect(task).toBe("regression");
    expect(points.map((p) => p.label)).toEqual([-1, 0, 1]);
  });

  it("refuses a label with more than two classes, naming the column", () => {
    expect(() => csvPoints("a,b,c\n1,2,x\n2,3,y\n3,4,z\n", { x: "a", y: "b", label: "c" })).toThrow(
      'column "c" has 3 classes (x, y, z); the playground classifies two',
    );
  });

  it("refuses a file with fewer than three columns", () => {
    expect(() => csvColumns("a,b\n1,2\n")).toThrow("at least 3 columns");
  });
});
