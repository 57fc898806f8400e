/**
 * @backprop side of the training benchmark. Variants (config.variant):
 *
 * - "js": the library path on the plain TypeScript backend — `mlp()` from @backprop/layers,
 *   `CrossEntropyLoss` from @backprop/losses, `new Optimizer(adam({ lr }))` from @backprop/optimizers,
 *   `BatchIterator` from @backprop/data over `loadFashionMnist()` from @backprop/data/node.
 * - "wasm": the same loop with the model's tensors on `createWasmBackend()` (@backprop/tensor-wasm);
 *   each batch is copied into a wasm tensor. Adam is @backprop/optimizers' (JS over wasm-memory views,
 *   subnormal moments kept).
 * - "wasm-adamstep": as "wasm", but the update is the backend's fused `adamStep` (wasm, float32,
 *   subnormal moments flushed to zero) instead of @backprop/optimizers' Adam: the flush-to-zero A/B.
 * - "wasm-fused": a hand-written loop on the backend's kernels only — gemm, `biasActivation`,
 *   `reluBackward`, `softmaxCrossEntropy`, `sumRows`, `adamStep` (FusedOps of @backprop/tensor) — the
 *   ceiling of the wasm backend without the layers' per-element JS callbacks.
 * - "js-fused": the same hand loop on the JS backend's fused kernels.
 *
 * config.wasmThreads / config.relaxed pass through to createWasmBackend.
 */
import { BatchIterator, type ClassificationDataset } from "@backprop/data";
import { loadFashionMnist } from "@backprop/data/node";
import { mlp, type Sequential } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { adam, Optimizer } from "@backprop/optimizers";
import {
  argmaxRows,
  type Backend,
  type FusedOps,
  hasFusedOps,
  jsBackend,
  type Parameter,
  type Tensor,
  zeros,
} from "@backprop/tensor";
import { createWasmBackend, type WasmBackend } from "@backprop/tensor-wasm";
import { PROTOCOL, parseConfig, serve, type Trainer } from "./common.js";

interface BackpropConfig {
  wasmThreads?: number;
  relaxed?: boolean;
}

/** A tensor of `backend` holding `source`'s values (the same tensor when already there). */
function onBackend(source: Tensor, backend: Backend, cache: Map<number, Tensor>): Tensor {
  if (source.backend === backend) return source;
  let target = cache.get(source.shape[0]!);
  if (target === undefined) {
    target = zeros(source.shape, { dtype: source.dtype, backend });
    cache.set(source.shape[0]!, target);
  }
  // copy() refuses tensors of two backends; a typed-array set is the copy-in.
  target.data.set(source.data);
  return target;
}

function evaluateModel(
  forward: (x: Tensor) => Tensor,
  test: ClassificationDataset,
  backend: Backend,
  chunk = 1000,
): number {
  const n = test.targets.length;
  const d = test.features.shape[1]!;
  const all = test.features.data;
  const x = zeros([chunk, d], { backend });
  let correct = 0;
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const xs = size === chunk ? x : zeros([size, d], { backend });
    xs.data.set(all.subarray(start * d, (start + size) * d));
    const predicted = argmaxRows(forward(xs));
    for (let i = 0; i < size; i++) if (predicted[i] === test.targets[start + i]) correct++;
  }
  return correct / n;
}

/** The next batch, starting a new epoch when the current one has ended. */
function nextBatch(batches: BatchIterator<ClassificationDataset>) {
  return batches.next() ?? batches.next()!;
}

async function setup(): Promise<Trainer> {
  const config = parseConfig() as ReturnType<typeof parseConfig> & BackpropConfig;
  const variant = config.variant;
  let backend: Backend = jsBackend;
  let wasm: WasmBackend | undefined;
  if (variant !== "js" && variant !== "js-fused") {
    wasm = await createWasmBackend({ relaxed: config.relaxed ?? false, threads: config.wasmThreads ?? 1 });
    backend = wasm;
  }
  const train = loadFashionMnist({ dataDir: config.dataDir, split: "train" });
  const test = loadFashionMnist({ dataDir: config.dataDir, split: "test" });
  const batches = new BatchIterator(train, { batchSize: PROTOCOL.batchSize, rng: config.seed });
  const model = mlp({ sizes: [...PROTOCOL.layers], activation: "relu", backend, seed: config.seed });
  const info = `@backprop backend ${backend.name}${wasm && wasm.threads > 1 ? ` threads=${wasm.threads}` : ""}`;
  const perEpoch = batches.batchesPerEpoch;

  if (variant === "wasm-fused" || variant === "js-fused") {
    if (!hasFusedOps(backend)) throw new Error(`${backend.name} has no fused kernels`);
    return fusedTrainer(model, backend, batches, test, info);
  }

  const loss = new CrossEntropyLoss();
  const params = model.parameters();
  const inputs = new Map<number, Tensor>();
  let update: () => void;
  let zeroGrad: () => void;
  if (variant === "wasm-adamstep") {
    const moments = params.map((p) => ({
      m: zeros(p.value.shape, { backend }),
      v: zeros(p.value.shape, { backend }),
    }));
    let t = 0;
    update = () => {
      t++;
      params.forEach((p, i) => {
        const { m, v } = moments[i]!;
        wasm!.adamStep(p.value.size, p.value.storage, p.grad.storage, m.storage, v.storage, {
          lr: PROTOCOL.lr,
          step: t,
          beta1: PROTOCOL.beta1,
          beta2: PROTOCOL.beta2,
          eps: PROTOCOL.eps,
        });
      });
    };
    zeroGrad = () => {
      for (const p of params) p.grad.data.fill(0);
    };
  } else {
    const optimizer = new Optimizer(
      adam({ lr: PROTOCOL.lr, betas: [PROTOCOL.beta1, PROTOCOL.beta2], eps: PROTOCOL.eps }),
      params,
    );
    update = () => optimizer.step();
    zeroGrad = () => optimizer.zeroGrad();
  }

  return {
    info: variant === "wasm-adamstep" ? `${info}, fused adamStep` : info,
    trainEpoch(_epoch, steps) {
      model.train(true);
      const todo = steps ?? perEpoch;
      let lossSum = 0;
      let samples = 0;
      for (let s = 0; s < todo; s++) {
        const batch = nextBatch(batches);
        const x = onBackend(batch.features, backend, inputs);
        zeroGrad();
        lossSum += loss.forward(model.forward(x), batch.targets);
        model.backwardParameters(loss.backward());
        update();
        samples += batch.size;
      }
      return { lossSum, steps: todo, samples };
    },
    evaluate() {
      model.train(false);
      return evaluateModel((x) => model.forward(x), test, backend);
    },
  };
}

/**
 * A backend's kernels driven directly (the wasm or the JS backend's FusedOps): for each Dense layer l (weight W [out, in], bias b),
 * forward a = z·Wᵀ (gemm NT) then z' = relu(a + b) (biasActivation; identity on the last layer),
 * E and δ^(L) = (softmax − onehot)/N from softmaxCrossEntropy, then per layer from the top:
 * ∂E/∂W = δᵀ·z (gemm TN, β = 0: no zeroGrad needed), ∂E/∂b = Σ_n δ_n (sumRows), δ_below = δ·W (gemm NN)
 * masked by reluBackward, and adamStep on every parameter.
 */
function fusedTrainer(
  model: Sequential,
  kernels: Backend & FusedOps,
  batches: BatchIterator<ClassificationDataset>,
  test: ClassificationDataset,
  info: string,
): Trainer {
  const dense = model.parameters().reduce<{ w: Parameter; b: Parameter }[]>((acc, p, i, all) => {
    if (p.name.endsWith(".weight")) acc.push({ w: p, b: all[i + 1]! });
    return acc;
  }, []);
  const moments = model.parameters().map((p) => ({
    p,
    m: zeros(p.value.shape, { backend: kernels }),
    v: zeros(p.value.shape, { backend: kernels }),
  }));
  type Buffers = { x: Tensor; z: Tensor[]; delta: Tensor[] };
  const byBatch = new Map<number, Buffers>();
  const buffers = (n: number): Buffers => {
    let b = byBatch.get(n);
    if (b === undefined) {
      b = {
        x: zeros([n, PROTOCOL.layers[0]], { backend: kernels }),
        z: dense.map(({ w }) => zeros([n, w.value.shape[0]!], { backend: kernels })),
        delta: dense.map(({ w }) => zeros([n, w.value.shape[0]!], { backend: kernels })),
      };
      byBatch.set(n, b);
    }
    return b;
  };
  const forward = (b: Buffers, n: number): Tensor => {
    let input = b.x;
    dense.forEach(({ w, b: bias }, l) => {
      const [out, inn] = w.value.shape as [number, number];
      const z = b.z[l]!;
      kernels.gemm(false, true, n, out, inn, 1, input.storage, w.value.storage, 0, z.storage);
      const last = l === dense.length - 1;
      kernels.biasActivation(n, out, z.storage, bias.value.storage, last ? "identity" : "relu", z.storage);
      input = z;
    });
    return input;
  };
  let t = 0;
  return {
    info: `${info}, fused kernels only`,
    trainEpoch(_epoch, steps) {
      const todo = steps ?? batches.batchesPerEpoch;
      let lossSum = 0;
      let samples = 0;
      for (let s = 0; s < todo; s++) {
        const batch = nextBatch(batches);
        const n = batch.size;
        const b = buffers(n);
        b.x.data.set(batch.features.data);
        const logits = forward(b, n);
        const top = dense.length - 1;
        lossSum += kernels.softmaxCrossEntropy(
          n,
          PROTOCOL.layers[3],
          logits.storage,
          batch.targets,
          b.delta[top]!.storage,
          "mean",
        );
        for (let l = top; l >= 0; l--) {
          const { w, b: bias } = dense[l]!;
          const [out, inn] = w.value.shape as [number, number];
          const delta = b.delta[l]!;
          const below = l === 0 ? b.x : b.z[l - 1]!;
          kernels.gemm(true, false, out, inn, n, 1, delta.storage, below.storage, 0, w.grad.storage);
          kernels.sumRows(n, out, delta.storage, 0, bias.grad.storage);
          if (l > 0) {
            const deltaBelow = b.delta[l - 1]!;
            kernels.gemm(false, false, n, inn, out, 1, delta.storage, w.value.storage, 0, deltaBelow.storage);
            kernels.reluBackward(n * inn, below.storage, deltaBelow.storage, deltaBelow.storage);
          }
        }
        t++;
        for (const { p, m, v } of moments) {
          kernels.adamStep(p.value.size, p.value.storage, p.grad.storage, m.storage, v.storage, {
            lr: PROTOCOL.lr,
            step: t,
            beta1: PROTOCOL.beta1,
            beta2: PROTOCOL.beta2,
            eps: PROTOCOL.eps,
          });
        }
        samples += n;
      }
      return { lossSum, steps: todo, samples };
    },
    evaluate() {
      return evaluateModel((x) => forward({ ...buffers(x.shape[0]!), x }, x.shape[0]!), test, kernels);
    },
  };
}

void serve(setup);
