/**
 * One side of the machine's gemm ceiling for a workload: the matrix products of one training step of
 * the MLP (per Dense layer in→out on a batch of B: forward X·Wᵀ, ∂E/∂W = δᵀ·X, and δ·W for every layer
 * but the first, as the trainer skips the input's δ), on the wasm backend with ONE thread, repeated
 * for `seconds` after a warm-up; prints GFLOP/s on stdout. The runner starts two of these at once:
 * two independent processes share nothing, so their summed rate bounds what one split gemm can reach.
 *   node --import tsx src/child-ceiling.ts '{"batchSize":128,"layers":[784,256,128,10],"seconds":3}'
 */
import { fromArray, matmul, Rng, randomNormal, type Tensor } from "@backprop/tensor";
import { createWasmBackend } from "@backprop/tensor-wasm";
import { gemmFlopPerSample } from "./common.js";

interface CeilingConfig {
  batchSize: number;
  layers: number[];
  seconds: number;
  relaxed: boolean;
}

const config = JSON.parse(process.argv[2] ?? "") as CeilingConfig;
const backend = await createWasmBackend({ relaxed: config.relaxed, threads: 1 });
const rng = new Rng(1);
const random = (shape: number[]): Tensor => fromArray(randomNormal(shape, rng).data, shape, { backend });
const B = config.batchSize;

/** One step's products, each as a thunk writing into its preallocated output. */
const products: (() => void)[] = [];
for (let l = 0; l + 1 < config.layers.length; l++) {
  const [inputs, outputs] = [config.layers[l]!, config.layers[l + 1]!];
  const x = random([B, inputs]);
  const w = random([outputs, inputs]);
  const delta = random([B, outputs]);
  const z = matmul(x, w, { transposeB: true });
  const dw = matmul(delta, x, { transposeA: true });
  products.push(() => matmul(x, w, { transposeB: true, out: z }));
  products.push(() => matmul(delta, x, { transposeA: true, out: dw }));
  if (l > 0) {
    const dx = matmul(delta, w);
    products.push(() => matmul(delta, w, { out: dx }));
  }
}

const step = () => {
  for (const product of products) product();
};
for (let i = 0; i < 20; i++) step();
const started = performance.now();
let steps = 0;
while (performance.now() - started < config.seconds * 1000) {
  step();
  steps++;
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${(B * gemmFlopPerSample(config.layers) * steps) / seconds / 1e9}\n`);
process.exit(0);
