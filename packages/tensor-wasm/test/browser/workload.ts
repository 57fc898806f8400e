/**
 * The work the browser test runs on the page, in a worker and in Node, on a wasm backend: C = A·Bᵀ for
 * A [128, 784] and B [256, 784] (N(0, 1), seeded), then one elementwise pass C ← tanh(C/10 + b) with
 * Σ C in it, then the log-sum-exp of C's rows. Returns the bits of C, of the row log-sum-exps and of
 * the sum (as two 32-bit words), to be compared exactly.
 */
import {
  type Backend,
  evaluate,
  fromArray,
  lazy,
  matmul,
  Rng,
  randomNormal,
  rowVector,
  zeros,
} from "@backprop/tensor";

export function workloadBits(backend: Backend): number[] {
  const rng = new Rng(1);
  const a = fromArray(randomNormal([128, 784], rng).read(), [128, 784], { backend });
  const b = fromArray(randomNormal([256, 784], rng).read(), [256, 784], { backend });
  const bias = fromArray(randomNormal([256], rng).read(), [256], { backend });
  const c = matmul(a, b, { transposeB: true });
  const activated = lazy(c).div(10).add(rowVector(bias)).tanh();
  const [sum] = evaluate({ shape: [128, 256], assign: [[c, activated]], sums: [activated] });
  const lse = zeros([128], { backend });
  backend.reduce("logsumexp", 1, 128, 256, c.storage, 0, lse.storage);
  return [
    ...new Uint32Array(Float32Array.from(c.read()).buffer),
    ...new Uint32Array(Float32Array.from(lse.read()).buffer),
    ...new Uint32Array(Float64Array.of(sum!).buffer),
  ];
}
