import { registerGradcheckMatchers } from "@backprop/gradcheck/vitest";
import { constant, erf, erfc, evaluate, lazy } from "@backprop/tensor";
import { expectProjectBackend, onBackend, projectBackend } from "@backprop/test-kit";
import { describe, expect, it } from "vitest";
import {
  ELU,
  type ElementwiseActivation,
  GELU,
  Identity,
  LeakyReLU,
  ReLU,
  Sigmoid,
  SiLU,
  Softplus,
  Tanh,
} from "./index.js";
import { readFixture, relativeError, STRICT } from "./test-kit.js";

registerGradcheckMatchers(expect);

/*
 * The activations' h and h′ are expressions (activation-functions.ts), evaluated here the way the
 * library runs them: through the layers' forward (z = h(a)) and backward with δ_z = 1 (δ_a = h′(a)),
 * on float64 tensors of the test project's backend.
 */
const backend = await projectBackend();
const { tensor, ones } = onBackend(backend);
const f64 = { dtype: "float64" } as const;

/** h(x_i) and h′(x_i) of a fresh layer at the points `xs`. */
function values(make: () => ElementwiseActivation, xs: readonly number[]): { y: number[]; dy: number[] } {
  const layer = make();
  const y = Array.from(layer.forward(tensor([...xs], f64)).read());
  const dy = Array.from(layer.backward(ones([xs.length], f64)).read());
  return { y, dy };
}

/** h(x) of a fresh layer. */
const h = (make: () => ElementwiseActivation, x: number): number => values(make, [x]).y[0]!;
/** h′(x) of a fresh layer. */
const dh = (make: () => ElementwiseActivation, x: number): number => values(make, [x]).dy[0]!;

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
 * Each activation's layer, h′'s closed form written independently of the implementation, and the
 * kinks of h (where it is not differentiable, or for softplus where it switches to the identity at
 * βx = threshold).
 */
const cases: Record<
  string,
  { make: () => ElementwiseActivation; closedForm: (x: number) => number; kinks?: readonly number[] }
> = {
  sigmoid: { make: () => new Sigmoid(), closedForm: (x) => Math.exp(-x) / (1 + Math.exp(-x)) ** 2 },
  tanh: { make: () => new Tanh(), closedForm: (x) => 1 / Math.cosh(x) ** 2 },
  relu: { make: () => new ReLU(), closedForm: (x) => (x > 0 ? 1 : 0), kinks: [0] },
  "leakyRelu(0.1)": {
    make: () => new LeakyReLU({ slope: 0.1 }),
    closedForm: (x) => (x > 0 ? 1 : 0.1),
    kinks: [0],
  },
  "elu(1)": { make: () => new ELU({ alpha: 1 }), closedForm: (x) => (x > 0 ? 1 : Math.exp(x)), kinks: [0] },
  "elu(0.5)": {
    make: () => new ELU({ alpha: 0.5 }),
    closedForm: (x) => (x > 0 ? 1 : 0.5 * Math.exp(x)),
    kinks: [0],
  },
  gelu: {
    make: () => new GELU(),
    closedForm: (x) =>
      0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI),
  },
  geluTanh: {
    make: () => new GELU({ approximate: "tanh" }),
    closedForm: (x) => {
      const c = Math.sqrt(2 / Math.PI);
      const u = c * (x + 0.044715 * x ** 3);
      return 0.5 * (1 + Math.tanh(u)) + (0.5 * x * c * (1 + 3 * 0.044715 * x * x)) / Math.cosh(u) ** 2;
    },
  },
  "softplus(1,20)": {
    make: () => new Softplus(),
    closedForm: (x) => (x > 20 ? 1 : 1 / (1 + Math.exp(-x))),
    kinks: [20],
  },
  "softplus(2,5)": {
    make: () => new Softplus({ beta: 2, threshold: 5 }),
    closedForm: (x) => (2 * x > 5 ? 1 : Math.exp(2 * x) / (1 + Math.exp(2 * x))),
    kinks: [2.5],
  },
  silu: {
    make: () => new SiLU(),
    closedForm: (x) => 1 / (1 + Math.exp(-x)) + (x * Math.exp(-x)) / (1 + Math.exp(-x)) ** 2,
  },
};

describe("activation functions h and h′", () => {
  it("run on the test project's backend", () => {
    const layer = new Sigmoid();
    expectProjectBackend(layer.forward(tensor([0.5], f64)).backend);
  });

  for (const [name, { make, closedForm, kinks = [] }] of Object.entries(cases)) {
    it(`${name}: h′ matches its closed form and passes gradient checks away from the kinks`, () => {
      const { dy } = values(make, grid);
      grid.forEach((x, i) => {
        if (Math.abs(x) > 25) return; // the closed forms overflow out there; PyTorch's values are checked below
        expect(close(dy[i]!, closedForm(x), 1e-12), `h′(${x}) = ${dy[i]} vs ${closedForm(x)}`).toBe(true);
        if (kinks.some((kink) => Math.abs(x - kink) < 1e-3)) return;
        // One point per check: in a sum over the grid, the rounding of the other terms would swamp small h′.
        expect(make(), `h′(${x})`).toPassGradcheck(tensor([x], f64), STRICT);
      });
    });

    it(`${name}: h and h′ match PyTorch (float64)`, () => {
      const expected = fixture.functions[name]!;
      const { y, dy } = values(make, grid);
      grid.forEach((x, i) => {
        expect(close(y[i]!, expected.y[i]!, 1e-14, 1e-14), `h(${x}) = ${y[i]} vs ${expected.y[i]}`).toBe(
          true,
        );
        expect(close(dy[i]!, expected.dy[i]!, 1e-13, 1e-14), `h′(${x}) = ${dy[i]} vs ${expected.dy[i]}`).toBe(
          true,
        );
      });
    });
  }

  it("identity: h(x) = x, h′ = 1", () => {
    const { y, dy } = values(() => new Identity(), grid);
    expect(y).toEqual(grid);
    expect(dy).toEqual(grid.map(() => 1));
  });

  it("sigmoid and softplus are stable at extreme inputs", () => {
    const sigmoid = () => new Sigmoid();
    expect(h(sigmoid, -1000)).toBe(0);
    expect(h(sigmoid, 1000)).toBe(1);
    expect(h(sigmoid, -745)).toBeGreaterThan(0);
    expect(dh(sigmoid, 1000)).toBe(0);
    expect(Number.isFinite(dh(sigmoid, -1000))).toBe(true);
    const softplus = () => new Softplus();
    expect(h(softplus, 1000)).toBe(1000);
    expect(h(softplus, -1000)).toBe(0);
    expect(h(softplus, -40)).toBeCloseTo(Math.exp(-40), 30);
    expect(h(() => new SiLU(), -1000)).toBe(-0);
    expect(h(() => new GELU(), -40)).toBe(-0);
  });

  it("derivatives at the kinks follow PyTorch", () => {
    expect(dh(() => new ReLU(), 0)).toBe(0);
    expect(dh(() => new LeakyReLU({ slope: 0.2 }), 0)).toBe(0.2);
    expect(dh(() => new ELU({ alpha: 0.5 }), 0)).toBe(0.5);
    expect(dh(() => new Softplus(), 20)).toBeCloseTo(
      h(() => new Sigmoid(), 20),
      15,
    );
    expect(dh(() => new Softplus(), 20.0001)).toBe(1);
  });
});

describe("erf and erfc (Cody)", () => {
  it("the ERFC opcode on the project's backend matches PyTorch (float64)", () => {
    const x = tensor(fixture.erf.x, f64);
    const out = tensor(
      fixture.erf.x.map(() => 0),
      f64,
    );
    evaluate({ shape: x.size, assign: [[out, lazy(x).erfc().mul(constant(1))]] });
    Array.from(out.read()).forEach((value, i) => {
      expect(relativeError(value, fixture.erf.erfc[i]!), `erfc(${fixture.erf.x[i]})`).toBeLessThan(5e-15);
    });
  });

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
