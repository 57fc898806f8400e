/**
 * @tensorflow/tfjs 4.22.0 side of the training benchmark: tfjs-layers' `tf.sequential` of three
 * dense layers, `tf.losses.softmaxCrossEntropy` (mean over the batch), `tf.train.adam`, trained with
 * `optimizer.minimize` (the custom-loop form of `model.fit`; synchronous on the cpu and wasm
 * backends). Variant "cpu": @tensorflow/tfjs-backend-cpu; "wasm": @tensorflow/tfjs-backend-wasm
 * (XNNPACK, SIMD, one thread in Node).
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  mulberry32,
  PROTOCOL,
  parseConfig,
  permutation,
  readFashionMnist,
  serve,
  type Trainer,
} from "./common.js";

async function setup(): Promise<Trainer> {
  const config = parseConfig();
  if (config.variant === "wasm") {
    await import("@tensorflow/tfjs-backend-wasm");
    if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialise");
  } else {
    if (!(await tf.setBackend("cpu"))) throw new Error("tfjs: the cpu backend failed to initialise");
  }
  await tf.ready();
  tf.util.assert(tf.getBackend() === config.variant, () => `backend is ${tf.getBackend()}`);

  const train = readFashionMnist(config.dataDir, "train");
  const test = readFashionMnist(config.dataDir, "test");
  const xTrain = tf.tensor2d(train.images, [train.n, 784]);
  const yTrain = tf.tensor1d(Int32Array.from(train.labels), "int32");
  const xTest = tf.tensor2d(test.images, [test.n, 784]);
  const yTest = Int32Array.from(test.labels);

  // PyTorch's nn.Linear default (kaiming_uniform(a=√5) ⇒ U(±1/√fan_in) for weight and bias), so
  // that every implementation starts from the same distribution.
  const { layers } = config;
  const init = (fanIn: number, seed: number) =>
    tfl.initializers.randomUniform({ minval: -1 / Math.sqrt(fanIn), maxval: 1 / Math.sqrt(fanIn), seed });
  const model = tfl.sequential({
    layers: layers.slice(1).map((units, l) =>
      tfl.layers.dense({
        ...(l === 0 ? { inputShape: [layers[0]!] } : {}),
        units,
        ...(l < layers.length - 2 ? { activation: "relu" as const } : {}),
        kernelInitializer: init(layers[l]!, config.seed + 2 * l),
        biasInitializer: init(layers[l]!, config.seed + 2 * l + 1),
      }),
    ),
  });
  const optimizer = tf.train.adam(PROTOCOL.lr, PROTOCOL.beta1, PROTOCOL.beta2, PROTOCOL.eps);
  const random = mulberry32(config.seed);
  const order = new Int32Array(train.n);
  const { batchSize } = config;

  return {
    info: `tfjs ${tf.version_core} backend ${tf.getBackend()}`,
    trainEpoch(_epoch, steps) {
      permutation(order, random);
      const total = Math.ceil(train.n / batchSize);
      const todo = steps === null ? total : Math.min(steps, total);
      let lossSum = 0;
      let samples = 0;
      for (let s = 0; s < todo; s++) {
        const start = s * batchSize;
        const end = Math.min(start + batchSize, train.n);
        const idx = tf.tensor1d(order.subarray(start, end), "int32");
        const loss = optimizer.minimize(
          () =>
            tf.tidy(() => {
              const xb = tf.gather(xTrain, idx);
              const yb = tf.oneHot(tf.gather(yTrain, idx), layers.at(-1)!);
              const logits = model.apply(xb, { training: true }) as tf.Tensor2D;
              return tf.losses.softmaxCrossEntropy(yb, logits) as tf.Scalar;
            }),
          true,
        );
        lossSum += loss!.dataSync()[0]!;
        loss!.dispose();
        idx.dispose();
        samples += end - start;
      }
      return { lossSum, steps: todo, samples };
    },
    evaluate() {
      let correct = 0;
      const chunk = 1000;
      for (let start = 0; start < test.n; start += chunk) {
        const size = Math.min(chunk, test.n - start);
        const pred = tf.tidy(() =>
          tf.argMax(model.predict(tf.slice(xTest, [start, 0], [size, 784])) as tf.Tensor2D, 1),
        );
        const p = pred.dataSync();
        pred.dispose();
        for (let i = 0; i < size; i++) if (p[i] === yTest[start + i]) correct++;
      }
      return correct / test.n;
    },
  };
}

void serve(setup);
