import type { PlaygroundState } from "../state/state.js";
import type { GradcheckSummary, LayerWeights, Metrics, SessionData } from "./session.js";
import type { NetworkTrace } from "./trace.js";

/** What the page asks the training worker. */
export type Command =
  | { type: "reset"; state: PlaygroundState; data: SessionData; weights?: Float32Array[] | undefined }
  /** Train `epochs` epochs (0: none), then answer with a snapshot. */
  | { type: "frame"; epochs: number; sample: number | undefined; generation: number }
  | { type: "setWeight"; layer: number; row: number; column: number; value: number }
  | { type: "gradcheck" }
  | { type: "export"; url: string };

/** A picture of the net after some training, for drawing. */
export interface Snapshot {
  type: "snapshot";
  /** The `generation` of the frame command: the page drops snapshots of a net it has since reset. */
  generation: number;
  epoch: number;
  steps: number;
  learningRate: number;
  metrics: Metrics;
  weights: LayerWeights[];
  /** gridOutputs(): per hidden layer and the output, [size², width]. */
  grid: { size: number; layers: Float32Array[] };
  /** mean |δ^(l)| for l = 2 … L. */
  deltas: number[];
  /** The notes' quantities for the chosen training point. */
  trace: (NetworkTrace & { x: number[]; target: number; index: number }) | undefined;
  /** Milliseconds the worker spent training for this frame, and the steps it took. */
  trainMs: number;
  /** Milliseconds for the whole frame command: training and this snapshot. */
  workMs: number;
  frameSteps: number;
}

export type Reply =
  | Snapshot
  | { type: "ready"; backend: string }
  | { type: "gradcheck"; report: GradcheckSummary }
  | { type: "export"; zip: Uint8Array }
  | { type: "error"; message: string };
