import { resolve } from "node:path";
import { datasetSize } from "@backprop/data";
import { writeFileAtomic } from "@backprop/layers/node";
import { Rng } from "@backprop/tensor";
import { createBackend } from "./backend.js";
import { buildLoss, buildModel, buildOptimizer, describeModel } from "./build.js";
import type { Callback } from "./callback.js";
import type { TrainConfig } from "./config.js";
import { describeData, prepareData } from "./datasets.js";
import { formatValue } from "./format.js";
import { chartPage } from "./html-charts.js";
import {
  type RangeTestOptions,
  RangeTestRecorder,
  type RangeTestResult,
  rangeTestSchedule,
} from "./lr-range-test.js";
import { factsTable } from "./report.js";
import { Trainer } from "./trainer.js";
import { planTraining } from "./training-plan.js";

/** What `backprop lr-find` found, and where its page is. */
export interface LrFindReport extends RangeTestResult {
  page: string;
}

/** `1.2e-3` for a rate; "–" when there is none. */
function formatLr(lr: number | undefined): string {
  return lr === undefined ? "–" : lr.toExponential(1);
}

/**
 * `backprop lr-find`: the range test on the configured network and data (a fresh model, seeded as
 * `train` would seed it; nothing is saved but the page), then an HTML page with the smoothed loss
 * against the rate (log scale) and the suggestions.
 */
export async function runLrFind(
  config: TrainConfig,
  options: RangeTestOptions & { output: string },
): Promise<LrFindReport> {
  const backend = await createBackend(config.backend, config.threads);
  const data = await prepareData(config, backend);
  const task = data.preprocessing.task;
  const samples = datasetSize(data.train);
  const { batchSize } = planTraining(config, samples).config;
  const batchesPerEpoch = Math.ceil(samples / batchSize);
  const streams = new Rng(config.seed);
  const model = buildModel(config, data.inputs, data.outputs, { backend, rng: streams.fork() });
  const sweep = rangeTestSchedule(options);
  const built = buildOptimizer({ ...config, epochs: 1 }, model, batchesPerEpoch, sweep);
  const trainer = new Trainer({
    model,
    loss: buildLoss(config, task),
    optimizer: built.optimizer,
    schedule: sweep,
    scheduleInterval: "step",
  });
  const recorder = new RangeTestRecorder();
  const record: Callback = {
    onBatchEnd(logs, context) {
      // logs.step counts this step: it ran at the rate before the sweep advanced.
      const going = recorder.record(sweep.lrAt(logs.step - 1), logs.loss);
      if (!going || logs.step >= options.steps) context.stopTraining("range test done");
    },
  };
  await trainer.fit(data.train, {
    epochs: Math.ceil(options.steps / batchesPerEpoch),
    batchSize,
    seed: streams.fork(),
    callbacks: [record],
  });
  const result = recorder.result();
  const page = resolve(options.output);
  const html = chartPage({
    title: `backprop lr-find: ${describeModel(config, data.inputs, data.outputs)}`,
    chartsHeading: "Loss against the learning rate",
    charts: [
      {
        title: "loss (smoothed, β = 0.98)",
        xLabel: "learning rate",
        xAxis: "log",
        x: result.lrs,
        series: [
          { label: "smoothed loss", values: result.smoothed.map((v) => (Number.isFinite(v) ? v : null)) },
          { label: "batch loss", values: result.losses.map((v) => (Number.isFinite(v) ? v : null)) },
        ],
        markX: result.steepest,
      },
    ],
    sections: `<h2>Suggestions</h2>${factsTable({
      "steepest descent (dashed line)": formatLr(result.steepest),
      "minimum / 10": formatLr(result.minimumOver10),
      "steps run": `${result.lrs.length} of ${options.steps}${result.diverged ? " (stopped: the loss diverged)" : ""}`,
      sweep: `${formatLr(options.startLr)} → ${formatLr(options.endLr)}, exponential`,
      "lowest smoothed loss": formatValue(Math.min(...result.smoothed)),
      data: describeData(data, config.dataset),
      "batch size": batchSize,
    })}`,
  });
  await writeFileAtomic(page, html);
  return { ...result, page };
}
