/**
 * @backprop side of the training benchmark: what a user runs. The model is `mlp()` from
 * @backprop/layers, the loss `CrossEntropyLoss` from @backprop/losses, the optimizer
 * `new Optimizer(adam(…))` from @backprop/optimizers, and the training loop is the public
 * `Trainer.fit` of @backprop/trainer (its BatchIterator over `loadFashionMnist()`). Variants
 * (config.variant): "js" (the plain TypeScript backend) and "wasm" (`createWasmBackend()` of
 * @backprop/tensor-wasm, config.wasmThreads threads, config.relaxed for relaxed SIMD); on wasm the
 * datasets are converted straight into its memory, before the first epoch, as the trainer's CLI does.
 *
 * One `fit` runs all the epochs the runner will ask for: a callback holds it at the start of every
 * epoch until the runner's "epoch" command arrives, so each timed round is exactly one epoch of fit.
 */
import { datasetSize } from "@backprop/data";
import { loadFashionMnist } from "@backprop/data/node";
import { mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { adam, Optimizer } from "@backprop/optimizers";
import { argmaxRows, jsBackend } from "@backprop/tensor";
import { createWasmBackend } from "@backprop/tensor-wasm";
import { type Callback, type EpochLogs, Trainer } from "@backprop/trainer";
import { type Trainer as BenchTrainer, type EpochResult, PROTOCOL, parseConfig, serve } from "./common.js";

interface BackpropConfig {
  wasmThreads?: number;
  relaxed?: boolean;
  /** false: train without the divergence guard (to measure what it costs). */
  checkFinite?: boolean;
}

/**
 * A callback that runs `fit` one epoch at a time: `onEpochBegin` waits until `runEpoch()` is called,
 * and the promise `runEpoch()` returns settles with that epoch's logs at `onEpochEnd`.
 */
class EpochByEpoch implements Callback {
  private release: (() => void) | undefined;
  private released = false;
  private finished: ((logs: EpochLogs) => void) | undefined;

  /** Lets fit train its next epoch; resolves with the epoch's logs when it has ended. */
  runEpoch(): Promise<EpochLogs> {
    const ended = new Promise<EpochLogs>((resolve) => {
      this.finished = resolve;
    });
    if (this.release === undefined) this.released = true;
    else this.release();
    this.release = undefined;
    return ended;
  }

  onEpochBegin(): Promise<void> | undefined {
    if (this.released) {
      this.released = false;
      return undefined;
    }
    return new Promise((resolve) => {
      this.release = resolve;
    });
  }

  onEpochEnd(logs: EpochLogs): void {
    this.finished?.(logs);
  }
}

async function setup(): Promise<BenchTrainer> {
  const config = parseConfig() as ReturnType<typeof parseConfig> & BackpropConfig;
  const backend =
    config.variant === "js"
      ? jsBackend
      : await createWasmBackend({ relaxed: config.relaxed ?? false, threads: config.wasmThreads ?? 1 });
  const train = loadFashionMnist({ dataDir: config.dataDir, split: "train", backend });
  const test = loadFashionMnist({ dataDir: config.dataDir, split: "test", backend });
  const model = mlp({ sizes: config.layers, activation: "relu", backend, seed: config.seed });
  const optimizer = new Optimizer(
    adam({ lr: PROTOCOL.lr, betas: [PROTOCOL.beta1, PROTOCOL.beta2], eps: PROTOCOL.eps }),
    model.parameters(),
  );
  const trainer = new Trainer({ model, loss: new CrossEntropyLoss(), optimizer });
  const pacer = new EpochByEpoch();
  const stepsPerEpoch = Math.ceil(datasetSize(train) / config.batchSize);
  let fitting: Promise<unknown> | undefined;
  const threads = (backend as { threads?: number }).threads;
  return {
    info: `@backprop backend ${backend.name}${threads !== undefined && threads > 1 ? ` threads=${threads}` : ""}, Trainer.fit`,
    async trainEpoch(_epoch, steps): Promise<EpochResult> {
      if (steps !== null)
        throw new Error("the @backprop child trains whole epochs (Trainer.fit), not a step count");
      // With the divergence guard on (the CLI's default; it runs inside the optimizer's passes), though
      // the PyTorch and tfjs loops have none.
      fitting ??= trainer.fit(train, {
        epochs: config.epochs,
        batchSize: config.batchSize,
        seed: config.seed,
        checkFinite: config.checkFinite ?? true,
        callbacks: [pacer],
      });
      const logs = await Promise.race([
        pacer.runEpoch(),
        fitting.then(() => Promise.reject(new Error("fit ended early"))),
      ]);
      return { lossSum: logs.loss! * stepsPerEpoch, steps: stepsPerEpoch, samples: datasetSize(train) };
    },
    evaluate() {
      const predicted = argmaxRows(trainer.predict(test.features));
      let correct = 0;
      for (let i = 0; i < predicted.length; i++) if (predicted[i] === test.targets[i]) correct++;
      return correct / predicted.length;
    },
  };
}

void serve(setup);
