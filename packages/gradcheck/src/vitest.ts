import type { Tensor } from "@backprop/tensor";
import type { ExpectStatic, MatcherState } from "vitest";
import { checkFunction } from "./check-function.js";
import { type CheckableLayer, checkLayer, type LayerCheckOptions } from "./check-layer.js";
import { type CheckableLoss, checkLoss } from "./check-loss.js";
import { GradcheckError } from "./errors.js";
import { formatReport, type GradcheckReport } from "./report.js";

/** Options of `toPassGradcheck`: the check's options, plus what a loss or a plain function needs. */
export interface GradcheckMatcherOptions extends LayerCheckOptions {
  /** For a loss: the target given to `forward(prediction, target)` (required for losses). */
  target?: unknown;
  /** For a scalar function f(x) → number: its analytic gradient (required for functions). */
  gradient?: (x: Tensor) => Tensor;
}

declare module "vitest" {
  // biome-ignore lint/suspicious/noExplicitAny: must match vitest's own declaration of Matchers.
  interface Matchers<T = any> {
    /**
     * Gradient-checks the received layer / model (`forward / backward / parameters`), loss
     * (`forward(prediction, target) / backward()`, give `options.target`) or scalar function
     * (give `options.gradient`) at `input`; fails with the report's table.
     */
    toPassGradcheck(input: Tensor, options?: GradcheckMatcherOptions): T;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function runCheck(received: unknown, input: Tensor, options: GradcheckMatcherOptions): GradcheckReport {
  const { target, gradient, ...checkOptions } = options;
  if (typeof received === "function") {
    if (gradient === undefined) {
      throw new GradcheckError(
        "toPassGradcheck: a function needs its analytic gradient: { gradient: (x) => Tensor }",
      );
    }
    return checkFunction(received as (x: Tensor) => number, gradient, input, checkOptions);
  }
  if (
    isObject(received) &&
    typeof received.forward === "function" &&
    typeof received.backward === "function"
  ) {
    if (typeof received.parameters === "function")
      return checkLayer(received as unknown as CheckableLayer, input, checkOptions);
    if (!("target" in options))
      throw new GradcheckError("toPassGradcheck: a loss needs the target: { target }");
    return checkLoss(received as unknown as CheckableLoss<unknown>, input, target, checkOptions);
  }
  throw new GradcheckError(
    `toPassGradcheck: expected a layer or model (forward/backward/parameters), a loss (forward/backward) or a function, got ${
      isObject(received)
        ? `an object with keys ${Object.keys(received).join(", ") || "(none)"}`
        : typeof received
    }`,
  );
}

/** The matchers, for `expect.extend(gradcheckMatchers)`. */
export const gradcheckMatchers = {
  /** Passes when the layer, loss or function's analytic gradients match finite differences at `input`. */
  toPassGradcheck(
    this: MatcherState,
    received: unknown,
    input: Tensor,
    options: GradcheckMatcherOptions = {},
  ) {
    const report = runCheck(received, input, options);
    return {
      pass: report.ok,
      /** What vitest prints when the assertion fails: the check's report. */
      message: () =>
        this.isNot
          ? `expected the gradient check to fail, but it passed:\n${formatReport(report)}`
          : formatReport(report),
    };
  },
};

/**
 * Registers `toPassGradcheck` on vitest's `expect` (call once, e.g. in a setup file):
 *
 * ```ts
 * import { expect } from "vitest";
 * import { registerGradcheckMatchers } from "@backprop/gradcheck/vitest";
 * registerGradcheckMatchers(expect);
 * expect(layer).toPassGradcheck(x, { mode: "sample" });
 * ```
 */
export function registerGradcheckMatchers(expect: ExpectStatic): void {
  expect.extend(gradcheckMatchers);
}
