import { mlp, type Sequential, saveModelToBytes } from "@backprop/layers";
import { strToU8, zipSync } from "fflate";
import { FEATURE_COLUMNS } from "../state/features.js";
import type { TrainingSession } from "./session.js";

/** The folder the exported zip holds: a run directory as `backprop train` writes it. */
export const RUN_FOLDER = "playground-run";
/** The held-out points, the dataset `backprop eval` reads (its config names `csv:test.csv`). */
export const TEST_CSV = "test.csv";

const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);

/**
 * The net as the trainer's CLI expects it. Regression: the net itself. Classification: the trainer
 * takes one output per class (softmax cross-entropy), so the single logit y becomes the two logits
 * (0, y), whose softmax is (1 − σ(y), σ(y)): the same probabilities and decisions. (A net trained with
 * a squared error on t = ±1 decides the same; its σ(y) is not a calibrated probability.)
 */
export function cliModel(session: TrainingSession): Sequential {
  if (session.task === "regression") return session.model;
  const sizes = session.sizes();
  const model = mlp({
    sizes: [...sizes.slice(0, -1), 2],
    activation: session.state.activation,
    bias: session.state.bias,
  });
  const source = session.model.parameters();
  const target = model.parameters();
  const last = source.length - (session.state.bias ? 2 : 1);
  source.forEach((p, i) => {
    const values = p.value.read();
    if (i < last) target[i]!.value.write(values);
    else {
      // Row 0 (class "0") is zero; row 1 (class "1") is the logit's weights or bias.
      const rows = new Float32Array(2 * values.length);
      rows.set(values, values.length);
      target[i]!.value.write(rows);
    }
  });
  return model;
}

/** The run directory's files, path → bytes (what the zip holds, and what a test can write to disk). */
export function runFiles(session: TrainingSession, url: string): Map<string, Uint8Array> {
  const { state, task } = session;
  const featureNames = state.features.map((f) => FEATURE_COLUMNS[f]);
  const target = task === "classification" ? "label" : "y";
  const { architecture, weights } = saveModelToBytes(cliModel(session), {
    format: "pt",
    producer: "@backprop/playground",
  });
  const points = session.testPoints();
  const features = session.testFeatures();
  const f = featureNames.length;
  const rows = points.map((p, i) => {
    const label = task === "classification" ? (p.label > 0 ? "1" : "0") : String(p.label);
    return [...features.subarray(i * f, (i + 1) * f), label].join(",");
  });
  const files = new Map<string, Uint8Array>();
  const put = (path: string, bytes: Uint8Array) => files.set(`${RUN_FOLDER}/${path}`, bytes);
  put(
    "config.json",
    json({
      format: "backprop.run-config",
      version: 1,
      backend: "js",
      config: {
        dataset: `csv:${TEST_CSV}`,
        target,
        task,
        testSplit: 0,
        validationSplit: 0,
        scale: "none",
        hidden: state.hidden,
        activation: state.activation,
        bias: state.bias,
        batchSize: state.batchSize,
        seed: state.seed,
        epochs: Math.max(1, session.epoch),
      },
    }),
  );
  put(TEST_CSV, strToU8(`${[...featureNames, target].join(",")}\n${rows.join("\n")}\n`));
  put("model/model.json", json(architecture));
  put("model/model.safetensors", weights);
  put(
    "model/preprocessing.json",
    json({
      format: "backprop.preprocessing",
      version: 1,
      task,
      dataset: `csv:${TEST_CSV}`,
      featureNames,
      ...(task === "classification" ? { classNames: ["0", "1"] } : { targetNames: [target] }),
      scaler: null,
    }),
  );
  put(
    "README.txt",
    strToU8(
      `Exported from the backprop playground: ${url}\n\n` +
        `cd ${RUN_FOLDER}\nnpx backprop eval . --split train   # the page's ${points.length} test points (${TEST_CSV})\n` +
        `npx backprop predict . --input ${TEST_CSV} --output predictions.csv\n`,
    ),
  );
  return files;
}

/** The run directory as a zip file. */
export function exportRun(session: TrainingSession, url: string): Uint8Array {
  return zipSync(Object.fromEntries(runFiles(session, url)));
}
