import { DTypeError, map2, Rng, randomNormal, sub, sum, type Tensor, tensor } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import { checkLoss } from "./check-loss.js";

const f64 = { dtype: "float64" } as const;

/** E = Σ (y − t)², ∂E/∂y = 2(y − t) · gradientScale. */
class SumSquares {
  private diff: Tensor | undefined;
  constructor(private readonly gradientScale = 1) {}
  forward(y: Tensor, t: Tensor): number {
    this.diff = sub(y, t);
    return sum(map2(this.diff, this.diff, (a, b) => a * b));
  }
  backward(): Tensor {
    return map2(this.diff!, this.diff!, (d) => 2 * this.gradientScale * d);
  }
}

describe("checkLoss", () => {
  const y = randomNormal([3, 4], new Rng(1), f64);
  const t = randomNormal([3, 4], new Rng(2), f64);

  it("passes a correct loss gradient with relative error below 1e-7", () => {
    const report = checkLoss(new SumSquares(), y, t);
    expect(report).toMatchObject({ ok: true, checked: 12 });
    expect(report.worst[0]!.parameter).toBe("prediction");
    expect(report.maxRelError).toBeLessThan(1e-7);
  });

  it("fails a gradient missing the factor 2 of d(y − t)²/dy", () => {
    expect(checkLoss(new SumSquares(0.5), y, t)).toMatchObject({ ok: false, failed: 12 });
  });

  it("leaves prediction and target untouched", () => {
    const yCopy = Float64Array.from(y.data);
    const tCopy = Float64Array.from(t.data);
    checkLoss(new SumSquares(), y, t, { mode: "directions" });
    expect(y.data).toEqual(yCopy);
    expect(t.data).toEqual(tCopy);
  });

  it("rejects a float32 prediction", () => {
    expect(() => checkLoss(new SumSquares(), tensor([1, 2]), tensor([1, 2]))).toThrow(DTypeError);
    expect(() => checkLoss(new SumSquares(), tensor([1, 2]), tensor([1, 2]))).toThrow(
      /prediction is float32\[2\]/,
    );
  });
});
