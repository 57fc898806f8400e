import { describe, expect, it } from "vitest";
import { guessTask, parseCsv } from "./csv.js";
import { DataError } from "./errors.js";

const IRIS_LIKE = `sepal_length,sepal_width,species
5.1,3.5,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
4.9,3.0,setosa
`;

describe("parseCsv", () => {
  it("reads numeric features and maps string labels to sorted indices", () => {
    const ds = parseCsv(IRIS_LIKE, { target: "species" });
    expect(ds.task).toBe("classification");
    if (ds.task !== "classification") return;
    expect(ds.features.shape).toEqual([4, 2]);
    expect(ds.features.dtype).toBe("float32");
    expect([...ds.features.data]).toEqual([5.1, 3.5, 7.0, 3.2, 6.3, 3.3, 4.9, 3.0].map(Math.fround));
    expect(ds.classNames).toEqual(["setosa", "versicolor", "virginica"]);
    expect([...ds.targets]).toEqual([0, 1, 2, 0]);
    expect(ds.featureNames).toEqual(["sepal_length", "sepal_width"]);
  });

  it("numbers labels by first appearance, or by a given mapping", () => {
    const text = "x,label\n1,b\n2,a\n3,c\n4,a\n";
    const firstSeen = parseCsv(text, { target: 1, labelOrder: "first-seen", task: "classification" });
    expect(firstSeen.classNames).toEqual(["b", "a", "c"]);
    expect([...firstSeen.targets]).toEqual([0, 1, 2, 1]);
    const fixed = parseCsv(text, { target: "label", classNames: ["c", "b", "a"], task: "classification" });
    expect([...fixed.targets]).toEqual([1, 2, 0, 2]);
    expect(() => parseCsv(text, { target: "label", classNames: ["a", "b"] })).toThrow(
      /line 4, column "label": class label "c" is not one of \["a","b"\]/,
    );
  });

  it("sorts numeric labels numerically when asked for classification", () => {
    const ds = parseCsv("x,y\n1,10\n2,9\n3,2\n", { target: "y", task: "classification" });
    expect(ds.classNames).toEqual(["2", "9", "10"]);
    expect([...ds.targets]).toEqual([2, 1, 0]);
  });

  it("reads regression targets, one or several columns, in float64 on request", () => {
    const text = "a,b,y1,y2\n1,2,0.5,-1\n3,4,1.5,2e3\n";
    const single = parseCsv(text, { target: "y1", features: ["a", "b"], dtype: "float64" });
    expect(single.task).toBe("regression");
    if (single.task !== "regression") return;
    expect(single.targets.shape).toEqual([2, 1]);
    expect(single.targets.dtype).toBe("float64");
    expect([...single.targets.data]).toEqual([0.5, 1.5]);
    const multi = parseCsv(text, { target: ["y1", "y2"], task: "regression" });
    expect(multi.targets.shape).toEqual([2, 2]);
    expect([...multi.targets.data]).toEqual([0.5, -1, 1.5, 2000]);
    expect(multi.targetNames).toEqual(["y1", "y2"]);
    expect(multi.featureNames).toEqual(["a", "b"]);
  });

  it("handles quoted fields, embedded delimiters, quotes and line breaks, other delimiters, CRLF and a BOM", () => {
    const text = '\uFEFF"len";"name"\r\n"1,5";"a; ""b"""\r\n2;"multi\r\nline"\r\n\r\n3;plain\r\n';
    expect(() => parseCsv(text, { target: "name", delimiter: ";" })).toThrow(
      /line 2, column "len": expected a number, got "1,5"/,
    );
    const ok = '\uFEFF"len";"name"\r\n"1.5";"a; ""b"""\r\n2;"multi\r\nline"\r\n\r\n3;plain\r\n';
    const ds = parseCsv(ok, {
      target: "name",
      delimiter: ";",
      labelOrder: "first-seen",
      task: "classification",
    });
    expect(ds.classNames).toEqual(['a; "b"', "multi\r\nline", "plain"]);
    expect([...ds.features.data]).toEqual([1.5, 2, 3]);
    const tabs = parseCsv("a\tb\n1\tx\n", { target: "b", delimiter: "\t" });
    expect(tabs.features.shape).toEqual([1, 1]);
  });

  it("names the line (counting line breaks inside quotes) and column of a malformed value", () => {
    const text = 'x,note,y\n1,"two\nlines",a\n2,ok,b\n3,ok,c\nabc,ok,d\n';
    const error = (() => {
      try {
        parseCsv(text, { target: "y", features: ["x"], file: "data.csv" });
      } catch (e) {
        return e as DataError;
      }
    })();
    expect(error).toBeInstanceOf(DataError);
    expect(error?.message).toBe('parseCsv: data.csv, line 6, column "x": expected a number, got "abc"');
    expect(error?.line).toBe(6);
    expect(error?.column).toBe("x");
  });

  it.each([
    ["a missing feature", "x,y\n1,a\n,b\n", /line 3, column "x": missing value, expected a number/],
    ["NaN", "x,y\n1,a\nNaN,b\n", /line 3, column "x": expected a number, got "NaN"/],
    ["hex", "x,y\n0x10,a\n", /line 2, column "x": expected a number, got "0x10"/],
    ["an overflow to Infinity", "x,y\n1e999,a\n", /line 2, column "x": 1e999 is out of the range of float32/],
    ["a float32 overflow", "x,y\n1,2\n-1e39,3\n", /line 3, column "x": -1e39 is out of the range of float32/],
    ["a missing label", "x,y\n1,a\n2, \n", /line 3, column "y": missing class label/],
    ["a missing regression target", "x,y\n1,2\n2,\n", /line 3, column "y": missing value/],
    ["too few fields", "x,y\n1,a\n2\n", /line 3: expected 2 fields as in the header, got 1/],
    ["too many fields", "x,y\n1,a\n2,b,c\n", /line 3: expected 2 fields as in the header, got 3/],
    ["an unterminated quote", 'x,y\n1,a\n2,"b\n', /line 3: Quoted field unterminated/],
    ["no header", "\n\n", /expected a header row, got no rows/],
    ["an unknown target", "x,y\n1,a\n", /target column "z" not found; columns are \["x","y"\]/],
    ["a duplicate column", "x,x\n1,a\n", /line 1: duplicate column name "x"/],
  ])("rejects %s with a DataError", (_name, text, message) => {
    const target = message.source.includes('"z"') ? "z" : "y";
    expect(() => parseCsv(text, { target, file: "t.csv" })).toThrow(DataError);
    expect(() => parseCsv(text, { target, file: "t.csv" })).toThrow(message);
  });

  it("keeps values beyond float32 in float64, and refuses beyond float64", () => {
    expect([...parseCsv("x,y\n-1e39,1.7e308\n", { target: "y", dtype: "float64" }).features.data]).toEqual([
      -1e39,
    ]);
    expect(() => parseCsv("x,y\n1,1.8e308\n", { target: "y", dtype: "float64", task: "regression" })).toThrow(
      'line 2, column "y": 1.8e308 is out of the range of float64, expected a finite number',
    );
  });

  it("rejects a column that is both feature and target, and several classification targets", () => {
    expect(() => parseCsv("x,y\n1,2\n", { target: "y", features: ["x", "y"] })).toThrow(
      /"y" is both a feature and a target/,
    );
    expect(() => parseCsv("x,y,z\n1,a,b\n", { target: ["y", "z"] })).toThrow(
      /classification takes one target column/,
    );
  });

  it("reads a header-only file as an empty dataset", () => {
    const ds = parseCsv("x,y\n", { target: "y", task: "regression" });
    expect(ds.features.shape).toEqual([0, 1]);
    expect(ds.targets.shape).toEqual([0, 1]);
  });

  it("refuses a first row of numbers as a header instead of silently losing it as column names", () => {
    expect(() => parseCsv("5.1,3.5,0\n4.9,3.0,1\n", { target: 2, file: "raw.csv" })).toThrow(
      "parseCsv: raw.csv, line 1: the first row holds only numbers (5.1,3.5,0), but it must be a header row naming the columns; add one (e.g. x0,x1,x2)",
    );
  });

  it("guesses classification for a few distinct integers (wine's 0/1/2), regression for many or for decimals", () => {
    const wine = `alcohol,class\n${Array.from({ length: 30 }, (_, i) => `${13 + i / 10},${i % 3}`).join("\n")}\n`;
    const guessed = parseCsv(wine, { target: "class" });
    expect(guessed.task).toBe("classification");
    if (guessed.task === "classification") expect(guessed.classNames).toEqual(["0", "1", "2"]);
    expect(parseCsv(wine, { target: "class", task: "regression" }).task).toBe("regression");
    expect(guessTask(["42", "37", "37", "28", "18", "18", "19", "20", "15", "14"])).toBe("regression");
    expect(guessTask(["0.5", "1", "0", "1", "0", "1", "0", "1", "0", "1"])).toBe("regression");
    expect(guessTask(["1", "2", "1", "2", "1", "2", "1", "2", "1", "2"])).toBe("classification");
    expect(guessTask(["setosa", "4"])).toBe("classification");
    // 21 integers of which 17 are distinct (stack loss): more than a fifth of the rows are distinct.
    expect(guessTask(Array.from({ length: 21 }, (_, i) => String(Math.floor(i * 0.8))))).toBe("regression");
  });
});
