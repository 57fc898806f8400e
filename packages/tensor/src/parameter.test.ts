import { describe, expect, it } from "vitest";
import { fromArray } from "./create.js";
import { constant, evaluate } from "./expr.js";
import { jsBackend } from "./js-backend.js";
import { type Parameter, parameter, renameParameter, writeGradient, zeroGradient } from "./parameter.js";
import type { Tensor } from "./tensor.js";
import { countingBackend } from "./testing/counting-backend.js";

/** A parameter on a backend that counts its elementwise passes, with grad [1, 2, 3]. */
function counted(): { p: Parameter; passes: () => number } {
  const { backend, calls } = countingBackend(jsBackend);
  const passes = () => calls.elementwise ?? 0;
  const value = fromArray(new Float64Array([0, 0, 0]), [3], { backend });
  const p = parameter("w", value, fromArray(new Float64Array([1, 2, 3]), [3], { backend }));
  return { p, passes };
}

/** What `writeGradient` hands its writer for `p` (a writer that writes nothing). */
function target(p: Parameter): { grad: Tensor; accumulate: boolean } {
  let seen: { grad: Tensor; accumulate: boolean } | undefined;
  writeGradient(p, (grad, accumulate) => {
    seen = { grad, accumulate };
  });
  if (seen === undefined) throw new Error("writeGradient did not call its writer");
  return seen;
}

describe("zeroGradient", () => {
  it("runs no pass: the zeros are written when the gradient is read", () => {
    const { p, passes } = counted();
    zeroGradient(p);
    expect(passes()).toBe(0);
    expect(Array.from(p.grad.read())).toEqual([0, 0, 0]);
    expect(passes()).toBe(1);
    p.grad.read();
    expect(passes()).toBe(1);
  });

  it("lets the next writer overwrite instead of adding, without writing the zeros", () => {
    const { p, passes } = counted();
    expect(target(p).accumulate).toBe(true);
    zeroGradient(p);
    let seen: { accumulate: boolean; passes: number; stale: number[] } | undefined;
    writeGradient(p, (grad, accumulate) => {
      // The stale values are still there: the writer owns every element.
      seen = { accumulate, passes: passes(), stale: Array.from(grad.read()) };
      evaluate({ shape: 3, assign: [[grad, constant(5)]] });
    });
    expect(seen).toEqual({ accumulate: false, passes: 0, stale: [1, 2, 3] });
    expect(Array.from(p.grad.read())).toEqual([5, 5, 5]);
    expect(target(p).accumulate).toBe(true);
  });

  it("keeps the zeros pending when the writer throws, so a half-written gradient still reads as zero", () => {
    const { p } = counted();
    zeroGradient(p);
    const failingWrite = (grad: Tensor) => {
      evaluate({ shape: 3, assign: [[grad, constant(7)]] });
      throw new Error("gemm failed");
    };
    expect(() => writeGradient(p, failingWrite)).toThrow("gemm failed");
    expect(Array.from(p.grad.read())).toEqual([0, 0, 0]);
    expect(target(p).accumulate).toBe(true);
  });

  it("is shared by a renamed parameter, which keeps the value and the gradient tensors", () => {
    const { p } = counted();
    const renamed = renameParameter(p, "0.w");
    expect(renamed.name).toBe("0.w");
    expect(renamed.value).toBe(p.value);
    zeroGradient(renamed);
    expect(target(p).accumulate).toBe(false);
    zeroGradient(p);
    expect(Array.from(renamed.grad.read())).toEqual([0, 0, 0]);
    expect(renamed.grad).toBe(p.grad);
  });

  it("makes a spread copy a plain parameter: its grad is the tensor, and zeroing it fills at once", () => {
    const { p, passes } = counted();
    const copy: Parameter = { ...p, name: "copy" };
    expect(copy.grad).toBe(p.grad);
    zeroGradient(copy);
    expect(passes()).toBe(1);
    expect(target(p).accumulate).toBe(true);
  });

  it("fills a parameter that is a plain object at once", () => {
    const { p, passes } = counted();
    const plain: Parameter = { name: "w", value: p.value, grad: p.grad };
    zeroGradient(plain);
    expect(passes()).toBe(1);
    expect(Array.from(plain.grad.read())).toEqual([0, 0, 0]);
    expect(target(plain)).toEqual({ grad: plain.grad, accumulate: true });
    expect(renameParameter(plain, "1.w")).toEqual({ name: "1.w", value: p.value, grad: p.grad });
  });
});
