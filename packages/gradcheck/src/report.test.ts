import { dot, map, type Tensor, tensor } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { checkFunction } from "./check-function.js";
import { formatReport } from "./report.js";

const f = (x: Tensor) => dot(x, x);
const x = tensor(
  [
    [1, 2],
    [3, 4],
  ],
  { dtype: "float64" },
);

describe("formatReport", () => {
  it("summarises a failure and tabulates the worst comparisons, failures marked", () => {
    const wrong = (t: Tensor) => {
      const g = map(t, (v) => 2 * v);
      g.data[3] = 9;
      return g;
    };
    const text = formatReport(checkFunction(f, wrong, x, { worst: 2 }));
    const lines = text.split("\n");
    expect(lines[0]).toBe(
      "gradcheck FAILED: 1 of 4 comparisons failed, 0 skipped at kinks (mode all, eps 1e-6, atol 1e-5, rtol 0.001)",
    );
    expect(lines[1]).toMatch(/^max abs error 1\.00e\+0, max rel error 1\.11e-1$/);
    expect(lines[2]).toMatch(/^ {2}parameter +position +analytic +numeric +abs error +rel error$/);
    expect(lines[3]).toMatch(/^✗ input +3 \[1,1\] +9\.000000000 +[78]\.\d{9} +1\.00e\+0 +1\.11e-1$/);
    expect(lines[4]).toMatch(/^ {2}input +\d \[\d,\d\]/);
    expect(lines).toHaveLength(5);
  });

  it("says when everything was skipped", () => {
    const text = formatReport(
      checkFunction(
        (t) => Math.abs(t.data[0]!),
        () => tensor([1], { dtype: "float64" }),
        tensor([0], { dtype: "float64" }),
        { kink: "detect" },
      ),
    );
    expect(text).toContain("gradcheck FAILED: nothing checked: all 1 comparisons were skipped at kinks");
  });

  it("reports a pass", () => {
    expect(formatReport(checkFunction(f, (t) => map(t, (v) => 2 * v), x))).toMatch(
      /^gradcheck passed: 0 of 4 comparisons failed/,
    );
  });
});
