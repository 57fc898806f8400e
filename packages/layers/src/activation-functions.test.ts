import { registerGradcheckMatchers } from "@backprop/gradcheck/vitest";
import { map, type Tensor, tensor } from "@backprop/tensor";
import { describe, expect, it } from "vitest";
import {
  elu,
  eluDerivative,
  erf,
  erfc,
  gelu,
  geluDerivative,
  geluTanh,
  geluTanhDerivative,
  identity,
  identityDerivative,
  leakyRelu,
  leakyReluDerivative,
  relu,
  reluDerivative,
  sigmoid,
  sigmoidDerivative,
  silu,
  siluDerivative,
  softplus,
  softplusDerivative,
  tanh,
  tanhDerivative,
} from "./index.js";
import { readFixture, relativeError } from "./test-utils/fixtures.js";
import { STRICT } from "./test-utils/gradcheck.js";

registerGradcheckMatchers(expect);

/**
 * |a − b| ≤ rtol·|b| + atol: relative, with an absolute floor for the tails, where the reference
 * formulas (and PyTorch's, e.g. GELU through 1 + erf(x/√2), tanh′ as 1 − tanh², GELU_tanh′ through
 * 1 + tanh u) lose their relative precision to cancellation and ours keep it.
 */
function close(a: number, b: number, rtol: number, atol = 1e-15): boolean {
  return Math.abs(a - b) <= rtol * Math.abs(b) + atol;
}

interface ActivationsFixture {
  x: number[];
  functions: Record<string, { y: number[]; dy: number[] }>;
  erf: { x: number[]; erf: number[]; erfc: number[] };
}

const fixture = readFixture<ActivationsFixture>("activations.json");
const grid = fixture.x;

/**
 * h, h′ and h′'s closed form written independently of the implementation, and the kinks of h (where
 * it is not differentiable, or for softplus where it switches to the identity at βx = threshold).
 */
const cases: Record<
  string,
  {
    h: (x: number) => number;
    dh: (x: number) => number;
    closedForm: (x: number) => number;
    kinks?: readonly number[];
  }
> = {
  sigmoid: { h: sigmoid, dh: sigmoidDerivative, closedForm: (x) => Math.exp(-x) / (1 + Math.exp(-x)) ** 2 },
  tanh: { h: tanh, dh: tanhDerivative, closedForm: (x) => 1 / Math.cosh(x) ** 2 },
  relu: { h: relu, dh: reluDerivative, closedForm: (x) => (x > 0 ? 1 : 0), kinks: [0] },
  "leakyRelu(0.1)": {
    h: (x) => leakyRelu(x, 0.1),
    dh: (x) => leakyReluDerivative(x, 0.1),
    closedForm: (x) => (x > 0 ? 1 : 0.1),
    kinks: [0],
  },
  "elu(1)": {
    h: (x) => elu(x, 1),
    dh: (x) => eluDerivative(x, 1),
    closedForm: (x) => (x > 0 ? 1 : Math.exp(x)),
    kinks: [0],
  },
  "elu(0.5)": {
    h: (x) => elu(x, 0.5),
    dh: (x) => eluDerivative(x, 0.5),
    closedForm: (x) => (x > 0 ? 1 : 0.5 * Math.exp(x)),
    kinks: [0],
  },
  gelu: {
    h: gelu,
    dh: geluDerivative,
    closedForm: (x) =>
      0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI),
  },
  geluTanh: {
    h: geluTanh,
    dh: geluTanhDerivative,
    closedForm: (x) => {
      const c = Math.sqrt(2 / Math.PI);
      const u = c * (x + 0.044715 * x ** 3);
      return 0.5 * (1 + Math.tanh(u)) + (0.5 * x * c * (1 + 3 * 0.044715 * x * x)) / Math.cosh(u) ** 2;
    },
  },
  "softplus(1,20)": {
    h: (x) => softplus(x),
    dh: (x) => softplusDerivative(x),
    closedForm: (x) => (x > 20 ? 1 : 1 / (1 + Math.exp(-x))),
    kinks: [20],
  },
  "softplus(2,5)": {
    h: (x) => softplus(x, 2, 5),
    dh: (x) => softplusDerivative(x, 2, 5),
    closedForm: (x) => (2 * x > 5 ? 1 : Math.exp(2 * x) / (1 + Math.exp(2 * x))),
    kinks: [2.5],
  },
  silu: {
    h: silu,
    dh: siluDerivative,
    closedForm: (x) => 1 / (1 + Math.exp(-x)) + (x * Math.exp(-x)) / (1 + Math.exp(-x)) ** 2,
  },
};

describe("activation functions h and h′", () => {
  for (const [name, { h, dh, closedForm, kinks = [] }] of Object.entries(cases)) {
    it(`${name}: h′ matches its closed form and passes gradient checks away from the kinks`, () => {
      for (const x of grid) {
        if (Math.abs(x) > 25) continue; // the closed forms overflow out there; PyTorch's values are checked below
        expect(close(dh(x), closedForm(x), 1e-12), `h′(${x}) = ${dh(x)} vs ${closedForm(x)}`).toBe(true);
        if (kinks.some((kink) => Math.abs(x - kink) < 1e-3)) continue;
        // One point per check: in a sum over the grid, the rounding of the other terms would swamp small h′.
        expect((t: Tensor) => h(t.data[0]!), `h′(${x})`).toPassGradcheck(tensor([x], { dtype: "float64" }), {
          ...STRICT,
          gradient: (t) => map(t, dh),
        });
      }
    });

    it(`${name}: h and h′ match PyTorch (float64)`, () => {
      const expected = fixture.functions[name]!;
      grid.forEach((x, i) => {
        expect(close(h(x), expected.y[i]!, 1e-14, 1e-14), `h(${x}) = ${h(x)} vs ${expected.y[i]}`).toBe(true);
        expect(close(dh(x), expected.dy[i]!, 1e-13, 1e-14), `h′(${x}) = ${dh(x)} vs ${expected.dy[i]}`).toBe(
          true,
        );
      });
    });
  }

  it("identity: h(x) = x, h′ = 1", () => {
    for (const x of grid) {
      expect(identity(x)).toBe(x);
      expect(identityDerivative(x)).toBe(1);
    }
  });

  it("sigmoid and softplus are stable at extreme inputs", () => {
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-745)).toBeGreaterThan(0);
    expect(sigmoidDerivative(1000)).toBe(0);
    expect(Number.isFinite(sigmoidDerivative(-1000))).toBe(true);
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    expect(softplus(-40)).toBeCloseTo(Math.exp(-40), 30);
    expect(silu(-1000)).toBe(-0);
    expect(gelu(-40)).toBe(-0);
  });

  it("derivatives at the kinks follow PyTorch", () => {
    expect(reluDerivative(0)).toBe(0);
    expect(leakyReluDerivative(0, 0.2)).toBe(0.2);
    expect(eluDerivative(0, 0.5)).toBe(0.5);
    expect(softplusDerivative(20)).toBeCloseTo(sigmoid(20), 15);
    expect(softplusDerivative(20.0001)).toBe(1);
  });
});

describe("erf and erfc (Cody)", () => {
  it("match PyTorch to double precision", () => {
    fixture.erf.x.forEach((x, i) => {
      expect(relativeError(erf(x), fixture.erf.erf[i]!), `erf(${x})`).toBeLessThan(5e-16);
      expect(relativeError(erfc(x), fixture.erf.erfc[i]!), `erfc(${x})`).toBeLessThan(5e-15);
    });
  });

  it("match known values, symmetries and limits", () => {
    expect(erf(0)).toBe(0);
    expect(erf(0.5)).toBe(0.5204998778130465);
    expect(relativeError(erf(1), 0.8427007929497149)).toBeLessThan(2e-16);
    expect(relativeError(erfc(5), 1.5374597944280349e-12)).toBeLessThan(1e-15);
    expect(relativeError(erfc(10), 2.088487583762545e-45)).toBeLessThan(1e-14);
    expect(erfc(30)).toBe(0);
    expect(erfc(-30)).toBe(2);
    expect(erf(-30)).toBe(-1);
    expect(erf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(Number.isNaN(erf(Number.NaN))).toBe(true);
    for (const x of [0.1, 0.46875, 0.7, 2, 3.9, 4.2, 6]) {
      expect(erf(-x)).toBe(-erf(x));
      expect(relativeError(erf(x) + erfc(x), 1)).toBeLessThan(2e-16);
    }
  });
});
