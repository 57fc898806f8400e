/// <reference lib="webworker" />
/**
 * The training worker: owns the model (TrainingSession) and answers the page's commands with
 * snapshots to draw, so training never blocks the page.
 */
import type { Backend } from "@backprop/tensor";
import { chooseBackend } from "./engine/backend.js";
import { exportRun } from "./engine/export.js";
import type { Command, Reply, Snapshot } from "./engine/protocol.js";
import { TrainingSession } from "./engine/session.js";

const scope = self as unknown as DedicatedWorkerGlobalScope;
let backend: Promise<{ backend: Backend; note: string }> | undefined;
let session: TrainingSession | undefined;

function post(reply: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(reply, transfer);
}

function snapshot(
  s: TrainingSession,
  sample: number | undefined,
  generation: number,
  trainMs: number,
  frameSteps: number,
): Snapshot {
  const grid = s.gridOutputs();
  const trace =
    sample === undefined || sample >= s.trainSize() ? undefined : { ...s.traceSample(sample), index: sample };
  return {
    type: "snapshot",
    generation,
    epoch: s.epoch,
    steps: s.steps,
    learningRate: s.learningRate(),
    metrics: s.metrics(),
    weights: s.weights(),
    grid,
    deltas: s.deltaMagnitudes(),
    trace,
    trainMs,
    workMs: 0,
    frameSteps,
  };
}

async function handle(command: Command): Promise<void> {
  switch (command.type) {
    case "reset": {
      backend ??= chooseBackend(command.state.backend);
      const chosen = await backend;
      session = undefined; // a net that fails to build (a bad hyper-parameter) leaves none, not the old one
      session = new TrainingSession(command.state, command.data, chosen.backend);
      if (command.weights !== undefined) session.loadWeights(command.weights);
      post({ type: "ready", backend: chosen.note });
      return;
    }
    case "frame": {
      if (session === undefined) return;
      const start = performance.now();
      const before = session.steps;
      for (let e = 0; e < command.epochs; e++) session.trainEpoch();
      const shot = snapshot(
        session,
        command.sample,
        command.generation,
        performance.now() - start,
        session.steps - before,
      );
      shot.workMs = performance.now() - start;
      post(shot, [...shot.grid.layers.map((l) => l.buffer as ArrayBuffer)]);
      return;
    }
    case "setWeight":
      session?.setWeight(command.layer, command.row, command.column, command.value);
      return;
    case "gradcheck":
      if (session !== undefined) post({ type: "gradcheck", report: session.gradcheck() });
      return;
    case "export":
      if (session !== undefined) {
        const zip = exportRun(session, command.url);
        post({ type: "export", zip }, [zip.buffer as ArrayBuffer]);
      }
      return;
  }
}

let queue = Promise.resolve();
scope.onmessage = (event: MessageEvent<Command>) => {
  queue = queue
    .then(() => handle(event.data))
    .catch((error: unknown) =>
      post({ type: "error", message: error instanceof Error ? error.message : String(error) }),
    );
};
