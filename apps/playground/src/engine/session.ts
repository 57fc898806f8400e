import { BatchIterator, regressionDataset } from "@backprop/data";
import { checkLayer } from "@backprop/gradcheck";
import type { Sequential } from "@backprop/layers";
import type { Loss } from "@backprop/losses";
import type { LrSchedule, Optimizer } from "@backprop/optimizers";
import { type Backend, fromArray, type Tensor } from "@backprop/tensor";
import type { Point } from "../state/datasets.js";
import { featureMatrix, gridPoints } from "../state/features.js";
import type { PlaygroundState } from "../state/state.js";
import {
  buildLoss,
  buildModel,
  buildOptimizer,
  displayValue,
  layerSizes,
  type Task,
  targetOf,
  usesCrossEntropy,
} from "./network.js";
import { type NetworkTrace, traceNetwork } from "./trace.js";

/** The points a session trains and tests on. */
export interface SessionData {
  train: readonly Point[];
  test: readonly Point[];
  task: Task;
}

/** One Dense layer's parameters, W^(l) [out, in] row-major and b^(l). */
export interface LayerWeights {
  inputs: number;
  outputs: number;
  weight: Float32Array;
  bias: Float32Array | undefined;
}

/** Loss (per sample) and accuracy (classification) on both splits. */
export interface Metrics {
  trainLoss: number;
  testLoss: number;
  trainAccuracy: number | undefined;
  testAccuracy: number | undefined;
}

/** The worst element of a gradient check of the current net, in float64. */
export interface GradcheckSummary {
  ok: boolean;
  checked: number;
  failed: number;
  maxRelError: number;
  worst:
    | { parameter: string; index: number[]; analytic: number; numeric: number; relError: number }
    | undefined;
}

/** A split as tensors: features [n, f] and targets [n, 1]. */
interface SplitTensors {
  x: Tensor;
  t: Tensor;
  labels: Float32Array;
}

/**
 * A network training on 2-D points: the model, its loss and optimizer, seeded mini-batches, and the
 * views the page draws (outputs over a grid, the notes' quantities for one sample). No DOM: the
 * Web Worker owns one, and the unit tests drive one in Node.
 */
export class TrainingSession {
  readonly state: PlaygroundState;
  readonly task: Task;
  readonly model: Sequential;
  readonly loss: Loss;
  readonly optimizer: Optimizer;
  readonly schedule: LrSchedule | undefined;
  readonly crossEntropy: boolean;
  epoch = 0;
  steps = 0;
  private readonly backend: Backend;
  private readonly data: SessionData;
  private readonly train: SplitTensors;
  private readonly test: SplitTensors;
  private readonly batches: BatchIterator;
  private readonly gridSize: number;
  private readonly grid: Tensor;
  private readonly regBuffers: Float32Array[];

  constructor(state: PlaygroundState, data: SessionData, backend: Backend, gridSize = 50) {
    this.state = state;
    this.task = data.task;
    this.backend = backend;
    this.crossEntropy = usesCrossEntropy(state, data.task);
    this.model = buildModel(state, { backend });
    this.loss = buildLoss(state, data.task);
    ({ optimizer: this.optimizer, schedule: this.schedule } = buildOptimizer(state, this.model.parameters()));
    this.data = data;
    this.train = this.tensors(data.train);
    this.test = this.tensors(data.test);
    const dataset = regressionDataset({ features: this.train.x, targets: this.train.t });
    this.batches = new BatchIterator(dataset, {
      batchSize: Math.min(state.batchSize, data.train.length),
      rng: state.seed,
    });
    this.gridSize = gridSize;
    this.grid = this.features(gridPoints(gridSize));
    this.regBuffers = this.model.parameters().map((p) => new Float32Array(p.value.size));
  }

  private features(points: readonly Point[] | readonly { x: number; y: number }[]): Tensor {
    return fromArray(
      featureMatrix(points, this.state.features),
      [points.length, this.state.features.length],
      {
        backend: this.backend,
      },
    );
  }

  private tensors(points: readonly Point[]): SplitTensors {
    const labels = Float32Array.from(points, (p) => p.label);
    const targets = labels.map((l) => targetOf(l, this.crossEntropy));
    return {
      x: this.features(points),
      t: fromArray(targets, [points.length, 1], { backend: this.backend }),
      labels,
    };
  }

  /** One mini-batch step: forward, E, δ^(L) = ∂E/∂y, backward, regularisation, W ← W − η·update. */
  step(x: Tensor, t: Tensor): void {
    const y = this.model.forward(x);
    this.loss.forward(y, t);
    this.model.backwardParameters(this.loss.backward());
    this.addRegularization();
    this.optimizer.step();
    this.optimizer.zeroGrad();
    this.steps += 1;
  }

  /**
   * Adds the penalty's gradient to the weights' (not the biases'): L1 λ·Σ|w| gives λ·sign(w),
   * L2 ½λ·Σw² gives λ·w.
   */
  private addRegularization(): void {
    const { regularization, regularizationRate: rate } = this.state;
    if (regularization === "none" || rate === 0) return;
    this.model.parameters().forEach((p, i) => {
      if (p.value.rank < 2) return;
      const w = p.value.read(this.regBuffers[i]!);
      const g = p.grad.read();
      for (let k = 0; k < w.length; k++) g[k]! += rate * (regularization === "L1" ? Math.sign(w[k]!) : w[k]!);
      p.grad.write(g);
    });
  }

  /** One pass over the training points in seeded mini-batches; the schedule steps once per epoch. */
  trainEpoch(): void {
    for (const batch of this.batches) this.step(batch.features, batch.targets as Tensor);
    this.epoch += 1;
    if (this.schedule !== undefined) this.schedule.step(this.evaluate(this.test).loss);
  }

  private evaluate(split: SplitTensors): {
    loss: number;
    accuracy: number | undefined;
    outputs: Float32Array;
  } {
    const n = split.labels.length;
    if (n === 0) return { loss: Number.NaN, accuracy: undefined, outputs: new Float32Array(0) };
    const y = this.model.forward(split.x);
    const total = this.loss.forward(y, split.t);
    const outputs = y.read() as Float32Array;
    const perSample = this.state.loss === "sum" || this.state.loss === "half-sum" ? total / n : total;
    if (this.task === "regression") return { loss: perSample, accuracy: undefined, outputs };
    let correct = 0;
    for (let i = 0; i < n; i++) if (outputs[i]! > 0 === split.labels[i]! > 0) correct += 1;
    return { loss: perSample, accuracy: correct / n, outputs };
  }

  metrics(): Metrics {
    const train = this.evaluate(this.train);
    const test = this.evaluate(this.test);
    return {
      trainLoss: train.loss,
      testLoss: test.loss,
      trainAccuracy: train.accuracy,
      testAccuracy: test.accuracy,
    };
  }

  /** The learning rate the next step uses. */
  learningRate(): number {
    return this.schedule?.getLr() ?? this.state.learningRate;
  }

  weights(): LayerWeights[] {
    return this.dense().map((layer) => {
      const [weight, bias] = layer.parameters();
      return {
        inputs: weight!.value.shape[1]!,
        outputs: weight!.value.shape[0]!,
        weight: weight!.value.read() as Float32Array,
        bias: bias === undefined ? undefined : (bias.value.read() as Float32Array),
      };
    });
  }

  private dense() {
    return this.model.layers.filter((layer) => layer.type === "Dense");
  }

  /** Sets W^(layer+1)[row, column] (the link from neuron `column` of a layer to `row` of the next). */
  setWeight(layer: number, row: number, column: number, value: number): void {
    const weight = this.dense()[layer]?.parameters()[0];
    if (weight === undefined || row >= weight.value.shape[0]! || column >= weight.value.shape[1]!)
      throw new Error(`setWeight: no weight [${row}, ${column}] in layer ${layer}`);
    weight.value.write([value], row * weight.value.shape[1]! + column);
  }

  /** Copies weights (in parameter order) into the model, e.g. from an imported run. */
  loadWeights(values: readonly Float32Array[]): void {
    const params = this.model.parameters();
    if (values.length !== params.length)
      throw new Error(`loadWeights: ${values.length} tensors for ${params.length} parameters`);
    params.forEach((p, i) => {
      p.value.write(values[i]!);
    });
  }

  /**
   * Every neuron's output over the grid (row by row from the top): layers[0] are the features,
   * layers[k] for k ≥ 1 the hidden layer k's z (display range), the last the output in [−1, 1].
   * Each is [gridSize², width] row-major.
   */
  gridOutputs(): { size: number; layers: Float32Array[] } {
    const layers: Float32Array[] = [];
    let value = this.grid;
    const modules = this.model.layers;
    for (let i = 0; i < modules.length; i++) {
      value = modules[i]!.forward(value);
      const next = modules[i + 1];
      if (modules[i]!.type !== "Dense" && next?.type === "Dense") layers.push(value.read() as Float32Array);
    }
    const output = value.read() as Float32Array;
    for (let k = 0; k < output.length; k++) output[k] = displayValue(output[k]!, this.crossEntropy);
    layers.push(output);
    return { size: this.gridSize, layers };
  }

  /** The outputs on the training or test points, in [−1, 1] for the picture. */
  pointOutputs(split: "train" | "test"): Float32Array {
    const { outputs } = this.evaluate(split === "train" ? this.train : this.test);
    return outputs.map((y) => displayValue(y, this.crossEntropy));
  }

  /** The notes' a, z, δ and ∂E/∂W for training point `index` alone (the training gradients are left zero). */
  traceSample(index: number): NetworkTrace & { x: number[]; target: number } {
    const n = this.train.labels.length;
    if (!Number.isInteger(index) || index < 0 || index >= n)
      throw new Error(`traceSample: sample ${index} is not one of the ${n} training points`);
    const f = this.state.features.length;
    const xs = this.train.x.read().slice(index * f, (index + 1) * f);
    const target = this.train.t.read()[index]!;
    const x = fromArray(xs, [1, f], { backend: this.backend });
    const t = fromArray([target], [1, 1], { backend: this.backend });
    const trace = traceNetwork(this.model, this.loss, x, t);
    this.optimizer.zeroGrad();
    return { ...trace, x: Array.from(xs), target };
  }

  /** mean_n |δ^(l)_n| per layer l = 2 … L over the training points: how the error signal fades towards the inputs. */
  deltaMagnitudes(): number[] {
    if (this.train.labels.length === 0) return [];
    const trace = traceNetwork(this.model, this.loss, this.train.x, this.train.t);
    this.optimizer.zeroGrad();
    return trace.layers.slice(1).map(({ delta }) => {
      let sum = 0;
      for (const d of delta!) sum += Math.abs(d);
      return sum / delta!.length;
    });
  }

  /** @backprop/gradcheck's checkLayer on a float64 copy of the net at up to 8 training points. */
  gradcheck(): GradcheckSummary {
    const copy = buildModel(this.state, { dtype: "float64" });
    copy.parameters().forEach((p, i) => {
      p.value.write(this.model.parameters()[i]!.value.read());
    });
    const n = Math.min(8, this.train.labels.length);
    const f = this.state.features.length;
    const x = fromArray(Float64Array.from(this.train.x.read().slice(0, n * f)), [n, f], { dtype: "float64" });
    const report = checkLayer(copy, x, { kink: "detect" });
    const worst = report.worst[0];
    return {
      ok: report.ok,
      checked: report.checked,
      failed: report.failed,
      maxRelError: report.maxRelError,
      worst:
        worst === undefined
          ? undefined
          : {
              parameter: worst.parameter,
              index: worst.kind === "element" ? [...worst.multiIndex] : [worst.direction],
              analytic: worst.analytic,
              numeric: worst.numeric,
              relError: worst.relError,
            },
    };
  }

  trainSize(): number {
    return this.data.train.length;
  }

  testPoints(): readonly Point[] {
    return this.data.test;
  }

  /** The test points' feature rows as the model sees them, [n, features] row-major. */
  testFeatures(): Float32Array {
    return this.test.x.read() as Float32Array;
  }

  sizes(): number[] {
    return layerSizes(this.state);
  }
}
