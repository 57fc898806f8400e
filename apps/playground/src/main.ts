/**
 * The page: state (in the URL), controls, the frame loop and drawing. The model lives in the
 * training worker (worker.ts); each animation frame asks it to train `epochsPerFrame` epochs and
 * draws the snapshot it answers with.
 */
import { strFromU8, unzipSync } from "fflate";
import { importRun } from "./engine/import-run.js";
import { optimizerNames, scheduleNames } from "./engine/network.js";
import type { Command, Reply, Snapshot } from "./engine/protocol.js";
import { csvColumns, csvPoints } from "./state/csv-data.js";
import {
  CLASSIFICATION_DATASETS,
  type DatasetName,
  generateDataset,
  isRegressionDataset,
  type Point,
  REGRESSION_DATASETS,
  splitTrainTest,
} from "./state/datasets.js";
import { FEATURE_NAMES, featureMatrix, gridPoints } from "./state/features.js";
import { formulaRows, type Selection } from "./state/formula.js";
import {
  OPTIMIZER_PARAMS,
  type Param,
  type ParamValues,
  SCHEDULE_PARAMS,
} from "./state/optimizer-catalog.js";
import {
  ACTIVATIONS,
  effectiveState,
  LOSSES,
  MAX_LAYERS,
  type PlaygroundState,
  REGULARIZATIONS,
} from "./state/state.js";
import { decodeState, encodeState } from "./state/url.js";
import { drawDeltaBars, drawGrid, drawLines, drawPoints } from "./ui/draw.js";
import { type StringKey, t } from "./ui/i18n.js";
import { NetworkView } from "./ui/network-view.js";

const ICONS = {
  play: '<svg viewBox="0 0 24 24" width="24" height="24"><path d="M8 5v14l11-7z" fill="currentColor"/></svg>',
  pause:
    '<svg viewBox="0 0 24 24" width="24" height="24"><path d="M6 5h4v14H6zM14 5h4v14h-4z" fill="currentColor"/></svg>',
  step: '<svg viewBox="0 0 24 24" width="20" height="20"><path d="M6 5v14l9-7zM16 5h3v14h-3z" fill="currentColor"/></svg>',
  reset:
    '<svg viewBox="0 0 24 24" width="20" height="20"><path d="M12 5V2L7 6l5 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z" fill="currentColor"/></svg>',
};

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const GRID = 50;
/** The heat map is drawn paler than the points (as in the TensorFlow Playground), so they stand out. */
const HEATMAP_INTENSITY = 0.6;

const decoded = decodeState(location.hash);
let state: PlaygroundState = decoded.state;
let problems = decoded.problems;
/** The training worker's last error, until the next reset. */
let workerProblem: string | undefined;
/** The user's CSV (not in the URL: a link with dataset=csv falls back to the circle). */
let csv: { text: string; name: string; x: string; y: string; label: string } | undefined;
let data: { train: Point[]; test: Point[]; task: "classification" | "regression" } = {
  train: [],
  test: [],
  task: "classification",
};
let playing = false;
let awaiting = false;
let dirty = true;
let pendingEpochs = 0;
let selection: Selection | undefined;
let sample = 0;
let last: Snapshot | undefined;
/** The next snapshot to draw, and one more that arrived before it was drawn. */
let undrawn: Snapshot | undefined;
let queued: Snapshot | undefined;
/** Counts resets: a snapshot of an earlier net (in flight during a reset) is dropped. */
let generation = 0;
let lossHistory = { train: [] as number[], test: [] as number[] };
const MAX_CURVE_POINTS = 600;
/** The data points drawn once per data set and display setting, then copied over each heat map. */
let points: { canvas: HTMLCanvasElement; key: unknown[] } | undefined;

function pointsLayer(like: HTMLCanvasElement): HTMLCanvasElement {
  const key = [data, state.showTest, like.width];
  if (points === undefined || points.key.some((k, i) => k !== key[i])) {
    const canvas = document.createElement("canvas");
    canvas.width = like.width;
    canvas.height = like.height;
    drawPoints(canvas, data.train, false);
    if (state.showTest) drawPoints(canvas, data.test, true);
    points = { canvas, key };
  }
  return points.canvas;
}
/**
 * Drawn frames while playing: when (ms), the worker's step count, and the milliseconds spent drawing
 * it, training for it and in the worker in all (training and snapshot), for fps and steps/s.
 */
const frames: { time: number; steps: number; drawMs: number; trainMs: number; workMs: number }[] = [];

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (command: Command) => worker.postMessage(command);

// ---- data and network ------------------------------------------------------------------------

function loadData(): void {
  if (state.dataset === "csv" && csv === undefined) {
    problems = [
      ...problems,
      "dataset=csv: the CSV file is not part of a link; load it again (showing the circle)",
    ];
    state = { ...state, dataset: "circle" };
  }
  if (state.dataset === "csv") {
    const { points, task } = csvPoints(csv!.text, csv!);
    data = { ...splitTrainTest(points, state.trainRatio / 100, state.seed), task };
  } else {
    const points = generateDataset(state.dataset, state.noise / 100, state.seed);
    data = {
      ...splitTrainTest(points, state.trainRatio / 100, state.seed),
      task: isRegressionDataset(state.dataset) ? "regression" : "classification",
    };
  }
}

const view = new NetworkView($("network"), {
  toggleFeature(name) {
    const on = state.features.includes(name);
    if (on && state.features.length === 1) return;
    const features = on
      ? state.features.filter((f) => f !== name)
      : FEATURE_NAMES.filter((f) => f === name || state.features.includes(f));
    update({ features });
  },
  changeNeurons(layer, delta) {
    const hidden = state.hidden.slice();
    hidden[layer] = Math.max(1, Math.min(8, hidden[layer]! + delta));
    update({ hidden });
  },
  select(next) {
    selection = next;
    view.setSelection(selection);
    dirty = true;
  },
  editWeight(layer, row, column, value) {
    send({ type: "setWeight", layer, row, column, value });
    dirty = true;
  },
});

/** A fresh net on the current data (optionally with given weights), and a clean picture. */
function resetNetwork(weights?: Float32Array[]): void {
  lossHistory = { train: [], test: [] };
  frames.length = 0;
  last = undefined;
  undrawn = undefined;
  queued = undefined;
  generation += 1;
  workerProblem = undefined;
  showProblems();
  if (selection?.layer !== undefined && selection.layer > state.hidden.length + 1) selection = undefined;
  send({ type: "reset", state: effectiveState(state), data, weights });
  view.build(state.features, state.hidden, state.lang, selection);
  const points = gridPoints(GRID);
  view.drawFeatures(
    state.features.map((f) => {
      const values = featureMatrix(points, [f]);
      const scale = 1 / Math.max(...values.map(Math.abs), 1e-9);
      return { values, scale };
    }),
    GRID,
  );
  $("layer-count").textContent = String(state.hidden.length);
  dirty = true;
  awaiting = false;
}

/** Applies a change: URL, controls, and (unless only the display changed) new data and a new net. */
function update(patch: Partial<PlaygroundState>, options: { data?: boolean; net?: boolean } = {}): void {
  state = { ...state, ...patch };
  window.history.replaceState(null, "", encodeState(state));
  renderControls();
  if (options.data ?? true) loadData();
  if (options.net ?? true) resetNetwork();
  else dirty = true;
}

// ---- controls --------------------------------------------------------------------------------

function options(
  select: HTMLSelectElement,
  values: readonly (string | number)[],
  current: string | number,
  label = (v: string | number) => String(v),
): void {
  select.replaceChildren(
    ...values.map((v) => {
      const option = document.createElement("option");
      option.value = String(v);
      option.textContent = label(v);
      option.selected = String(v) === String(current);
      return option;
    }),
  );
}

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const LOSS_LABELS: Record<string, string> = {
  auto: "auto (cross-entropy / MSE)",
  "half-sum": "½Σ(y − t)²  (eq. 47)",
  sum: "Σ(y − t)²  (eq. 44)",
  mean: "(1/N)Σ(y − t)²",
};

function paramFields(
  root: HTMLElement,
  params: readonly Param[],
  values: ParamValues,
  onChange: (values: ParamValues) => void,
  disabled: boolean,
): void {
  root.replaceChildren(
    ...params.map((p) => {
      const label = document.createElement("label");
      const id = `${root.id}-${p.name}`;
      label.htmlFor = id;
      label.append(p.name);
      const value = values[p.name] ?? p.default;
      let input: HTMLInputElement | HTMLSelectElement;
      if (p.kind === "choice") {
        input = document.createElement("select");
        options(input, p.choices, String(value));
      } else {
        input = document.createElement("input");
        input.type = p.kind === "boolean" ? "checkbox" : p.kind === "list" ? "text" : "number";
        if (p.kind === "boolean") input.checked = value === true;
        else input.value = Array.isArray(value) ? value.join(",") : String(value);
        if (p.kind === "number") input.step = "any";
      }
      input.id = id;
      input.disabled = disabled;
      input.addEventListener("change", () => {
        const next: ParamValues = { ...values };
        if (p.kind === "boolean") next[p.name] = (input as HTMLInputElement).checked;
        else if (p.kind === "number") next[p.name] = Number(input.value);
        else if (p.kind === "list") next[p.name] = input.value.split(",").map(Number).filter(Number.isFinite);
        else next[p.name] = input.value;
        onChange(next);
      });
      label.append(input);
      return label;
    }),
  );
}

function renderControls(): void {
  const lang = state.lang;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll<HTMLElement>("[data-i18n]"))
    el.textContent = t(el.dataset.i18n as StringKey, lang);
  for (const el of document.querySelectorAll<HTMLElement>("[data-i18n-title]"))
    el.title = t(el.dataset.i18nTitle as StringKey, lang);
  $("lang-en").classList.toggle("active", lang === "en");
  $("lang-zh").classList.toggle("active", lang === "zh");
  const notes = state.notes;
  const effective = effectiveState(state);
  options($("learningRate"), LEARNING_RATES, state.learningRate);
  options($("activation"), ACTIVATIONS, state.activation);
  options($("regularization"), REGULARIZATIONS, effective.regularization);
  options($("regularizationRate"), REGULARIZATION_RATES, state.regularizationRate);
  const problem = data.task;
  options($("problem"), ["classification", "regression"], problem, (v) => t(v as StringKey, lang));
  options($("optimizer"), optimizerNames(), effective.optimizer);
  options($("schedule"), ["none", ...scheduleNames()], effective.schedule);
  options(
    $("loss"),
    notes ? ["half-sum", "sum"] : LOSSES,
    effective.loss,
    (v) => LOSS_LABELS[v] ?? String(v),
  );
  options($("epochsPerFrame"), [1, 2, 5, 10, 20], state.epochsPerFrame);
  for (const id of ["regularization", "regularizationRate", "optimizer", "schedule"])
    $<HTMLSelectElement>(id).disabled = notes;
  $<HTMLInputElement>("bias").checked = effective.bias;
  $<HTMLInputElement>("bias").disabled = notes;
  $<HTMLInputElement>("notes").checked = notes;
  $("notes-hint").hidden = !notes;
  paramFields(
    $("optimizer-params"),
    OPTIMIZER_PARAMS[effective.optimizer] ?? [],
    effective.optimizerParams,
    (v) => update({ optimizerParams: v }, { data: false }),
    notes,
  );
  paramFields(
    $("schedule-params"),
    SCHEDULE_PARAMS[effective.schedule] ?? [],
    effective.scheduleParams,
    (v) => update({ scheduleParams: v }, { data: false }),
    notes,
  );
  for (const key of ["trainRatio", "noise", "batchSize"] as const) {
    $<HTMLInputElement>(key).value = String(state[key]);
    $(`${key}-value`).textContent = String(state[key]);
  }
  $<HTMLInputElement>("showTest").checked = state.showTest;
  $<HTMLInputElement>("discretize").checked = state.discretize;
  $("add-layer").toggleAttribute("disabled", state.hidden.length >= MAX_LAYERS);
  $("remove-layer").toggleAttribute("disabled", state.hidden.length === 0);
  showProblems();
  renderDatasets();
}

/** The link's problems and the worker's last error (a hyper-parameter the optimizer refused, say) above the board. */
function showProblems(): void {
  const all = workerProblem === undefined ? problems : [...problems, workerProblem];
  $("problems").hidden = all.length === 0;
  $("problems").textContent = all.join("\n");
}

function renderDatasets(): void {
  const names: DatasetName[] =
    data.task === "regression" && state.dataset !== "csv"
      ? [...REGRESSION_DATASETS]
      : [...CLASSIFICATION_DATASETS];
  if (csv !== undefined) names.push("csv");
  const root = $("datasets");
  if (root.dataset.names === names.join() && root.dataset.active === state.dataset) return;
  root.dataset.names = names.join();
  root.dataset.active = state.dataset;
  root.replaceChildren(
    ...names.map((name) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.dataset = name;
      button.classList.toggle("active", name === state.dataset);
      const canvas = document.createElement("canvas");
      canvas.width = 52;
      canvas.height = 52;
      const points = name === "csv" ? csvPoints(csv!.text, csv!).points : generateDataset(name, 0, 1, 200);
      drawPoints(canvas, points, false, 1.5);
      const caption = document.createElement("span");
      caption.textContent = name === "csv" ? csv!.name : name;
      button.append(canvas, caption);
      button.addEventListener("click", () => update({ dataset: name }));
      return button;
    }),
  );
}

function selectControl(
  id: keyof PlaygroundState & string,
  parse: (v: string) => unknown,
  opts?: { data?: boolean; net?: boolean },
): void {
  $<HTMLSelectElement>(id).addEventListener("change", (e) =>
    update(
      { [id]: parse((e.target as HTMLSelectElement).value) } as Partial<PlaygroundState>,
      opts ?? { data: false },
    ),
  );
}

selectControl("learningRate", Number);
selectControl("activation", String);
selectControl("regularization", String);
selectControl("regularizationRate", Number);
selectControl("loss", String);
selectControl("epochsPerFrame", Number, { data: false, net: false });
selectControl("optimizer", String);
selectControl("schedule", String);
$<HTMLSelectElement>("optimizer").addEventListener("change", () =>
  update({ optimizerParams: {} }, { data: false }),
);
$<HTMLSelectElement>("schedule").addEventListener("change", () =>
  update({ scheduleParams: {} }, { data: false }),
);
$<HTMLSelectElement>("problem").addEventListener("change", (e) =>
  update({ dataset: (e.target as HTMLSelectElement).value === "regression" ? "plane" : "circle" }),
);
for (const key of ["trainRatio", "noise", "batchSize"] as const) {
  $<HTMLInputElement>(key).addEventListener("input", (e) => {
    $(`${key}-value`).textContent = (e.target as HTMLInputElement).value;
  });
  $<HTMLInputElement>(key).addEventListener("change", (e) =>
    update({ [key]: Number((e.target as HTMLInputElement).value) }, { data: key !== "batchSize" }),
  );
}
$<HTMLInputElement>("bias").addEventListener("change", (e) =>
  update({ bias: (e.target as HTMLInputElement).checked }, { data: false }),
);
$<HTMLInputElement>("notes").addEventListener("change", (e) =>
  update({ notes: (e.target as HTMLInputElement).checked }, { data: false }),
);
$<HTMLInputElement>("showTest").addEventListener("change", (e) =>
  update({ showTest: (e.target as HTMLInputElement).checked }, { data: false, net: false }),
);
$<HTMLInputElement>("discretize").addEventListener("change", (e) =>
  update({ discretize: (e.target as HTMLInputElement).checked }, { data: false, net: false }),
);
$("lang-en").addEventListener("click", () => update({ lang: "en" }, { data: false, net: false }));
$("lang-zh").addEventListener("click", () => update({ lang: "zh" }, { data: false, net: false }));
$("regenerate").addEventListener("click", () => update({ seed: (state.seed + 1) >>> 0 }));
$("add-layer").addEventListener("click", () =>
  update({ hidden: [...state.hidden, 2].slice(0, MAX_LAYERS) }, { data: false }),
);
$("remove-layer").addEventListener("click", () =>
  update({ hidden: state.hidden.slice(0, -1) }, { data: false }),
);
$<HTMLInputElement>("sample").addEventListener("change", (e) => {
  sample = Math.max(
    0,
    Math.min(data.train.length - 1, Math.floor(Number((e.target as HTMLInputElement).value)) || 0),
  );
  (e.target as HTMLInputElement).value = String(sample);
  dirty = true;
});

// ---- transport --------------------------------------------------------------------------------

function setPlaying(on: boolean): void {
  playing = on;
  $("play").innerHTML = on ? ICONS.pause : ICONS.play;
  $("play").title = t(on ? "pause" : "play", state.lang);
  frames.length = 0;
}
$("play").addEventListener("click", () => setPlaying(!playing));
$("step").addEventListener("click", () => {
  setPlaying(false);
  pendingEpochs += 1;
});
$("reset").addEventListener("click", () => {
  setPlaying(false);
  resetNetwork();
});

/** Asks the worker for the next snapshot: `epochsPerFrame` epochs while playing, a pending step, or none (a redraw). */
function request(): void {
  const epochs = playing ? state.epochsPerFrame : pendingEpochs;
  if (awaiting || (epochs === 0 && !dirty)) return;
  pendingEpochs = 0;
  dirty = false;
  awaiting = true;
  send({ type: "frame", epochs, sample, generation });
}

/**
 * The animation frame: draws the next snapshot (one per frame). The worker trains the next epochs
 * while this thread draws: a snapshot's arrival sends the next request at once, unless one is
 * already waiting to be drawn.
 */
function frame(): void {
  requestAnimationFrame(frame);
  if (undrawn !== undefined) {
    const start = performance.now();
    drawSnapshot(undrawn);
    const end = performance.now();
    if (playing)
      frames.push({
        time: end,
        steps: undrawn.steps,
        drawMs: end - start,
        trainMs: undrawn.trainMs,
        workMs: undrawn.workMs,
      });
    if (frames.length > 600) frames.shift();
    undrawn = queued;
    queued = undefined;
  }
  request();
}

// ---- drawing ----------------------------------------------------------------------------------

const format = (v: number | undefined, digits = 3) =>
  v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);

function drawSnapshot(shot: Snapshot): void {
  $("epoch").textContent = shot.epoch.toLocaleString("en-US", { minimumIntegerDigits: 6 });
  $("test-loss").textContent = format(shot.metrics.testLoss);
  $("train-loss").textContent = format(shot.metrics.trainLoss);
  $("accuracy-line").hidden = shot.metrics.testAccuracy === undefined;
  $("accuracy").textContent =
    `${format((shot.metrics.trainAccuracy ?? 0) * 100, 1)}% / ${format((shot.metrics.testAccuracy ?? 0) * 100, 1)}%`;
  $("accuracy").dataset.test = String(shot.metrics.testAccuracy);
  drawLines($<HTMLCanvasElement>("loss-chart"), [
    { values: lossHistory.train, color: "#999" },
    { values: lossHistory.test, color: "#000" },
  ]);
  const heatmap = $<HTMLCanvasElement>("heatmap");
  drawGrid(heatmap, shot.grid.layers[shot.grid.layers.length - 1]!, shot.grid.size, {
    discretize: state.discretize,
    intensity: HEATMAP_INTENSITY,
  });
  heatmap.getContext("2d")!.drawImage(pointsLayer(heatmap), 0, 0);
  const chosen = data.train[sample];
  if (chosen !== undefined && selection !== undefined) {
    const ctx = heatmap.getContext("2d")!;
    ctx.beginPath();
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 2;
    ctx.arc(
      ((chosen.x + 6) / 12) * heatmap.width,
      heatmap.height - ((chosen.y + 6) / 12) * heatmap.height,
      7,
      0,
      2 * Math.PI,
    );
    ctx.stroke();
  }
  view.update(shot.weights, shot.grid, state.discretize);
  drawDeltaBars($<HTMLCanvasElement>("delta-chart"), shot.deltas);
  drawFormulas(shot);
}

/** "a^(2)_1" as text with <sup>(2)</sup> and <sub>1</sub> ("_{12}" for several characters). */
function mathNodes(formula: string): Node[] {
  const nodes: Node[] = [];
  const pattern = /\^(\([^)]*\))|_\{([^}]*)\}|_(\w)/g;
  let at = 0;
  for (const match of formula.matchAll(pattern)) {
    if (match.index > at) nodes.push(document.createTextNode(formula.slice(at, match.index)));
    const element = document.createElement(match[1] === undefined ? "sub" : "sup");
    element.textContent = match[1] ?? match[2] ?? match[3]!;
    nodes.push(element);
    at = match.index + match[0].length;
  }
  nodes.push(document.createTextNode(formula.slice(at)));
  return nodes;
}

function drawFormulas(shot: Snapshot): void {
  const table = $("formula-table");
  const trace = shot.trace;
  if (trace === undefined) {
    table.replaceChildren();
    return;
  }
  const point = data.train[trace.index];
  $("sample-line").textContent =
    `x = (${trace.x.map((v) => v.toPrecision(4)).join(", ")})   t = ${Number(trace.target.toPrecision(4))}   ${point === undefined ? "" : `(x₁, x₂) = (${point.x.toFixed(2)}, ${point.y.toFixed(2)})`}`;
  if (selection === undefined) {
    table.replaceChildren();
    return;
  }
  const effective = effectiveState(state);
  const loss = effective.loss === "auto" ? (data.task === "classification" ? "bce" : "mean") : effective.loss;
  const rows = formulaRows(trace, shot.weights, selection, {
    activation: state.activation,
    bias: effective.bias,
    loss,
    lang: state.lang,
  });
  table.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.quantity = row.quantity;
      const label = document.createElement("td");
      label.className = "label";
      label.textContent = row.label;
      const formula = document.createElement("td");
      formula.className = "formula";
      formula.append(...mathNodes(row.formula));
      const value = document.createElement("td");
      value.className = "value";
      value.textContent = row.value.toPrecision(6);
      value.dataset.value = String(row.value);
      tr.append(label, formula, value);
      return tr;
    }),
  );
}

worker.onmessage = (event: MessageEvent<Reply>) => {
  const reply = event.data;
  switch (reply.type) {
    case "ready":
      $("backend").textContent = reply.backend;
      return;
    case "snapshot":
      if (reply.generation !== generation) return;
      awaiting = false;
      last = reply;
      if (reply.frameSteps > 0 || lossHistory.train.length === 0) {
        lossHistory.train.push(reply.metrics.trainLoss);
        lossHistory.test.push(reply.metrics.testLoss);
        // A long run keeps every other point: the curve's shape at a bounded cost per frame.
        if (lossHistory.train.length > MAX_CURVE_POINTS) {
          lossHistory.train = lossHistory.train.filter((_, i) => i % 2 === 0);
          lossHistory.test = lossHistory.test.filter((_, i) => i % 2 === 0);
        }
      }
      // Keep the worker one snapshot ahead of the drawing, never more: every snapshot is drawn.
      if (undrawn === undefined) {
        undrawn = reply;
        request();
      } else queued = reply;
      return;
    case "gradcheck": {
      const r = reply.report;
      const w = r.worst;
      $("gradcheck-result").textContent =
        `${r.ok ? "✓" : "✗"} ${r.checked} elements, ${r.failed} failed, max relative error ${r.maxRelError.toExponential(2)}\n` +
        (w === undefined
          ? ""
          : `worst: ${notesName(w.parameter)}[${w.index.map((i) => i + 1).join(",")}] analytic ${w.analytic.toPrecision(8)} numeric ${w.numeric.toPrecision(8)} (rel. ${w.relError.toExponential(2)})`);
      $("gradcheck-result").dataset.ok = String(r.ok);
      return;
    }
    case "export": {
      const url = URL.createObjectURL(new Blob([reply.zip as BlobPart], { type: "application/zip" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = "playground-run.zip";
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      $("file-result").textContent =
        "playground-run.zip: unzip, then `cd playground-run && npx backprop eval . --split train`";
      return;
    }
    case "error":
      awaiting = false;
      workerProblem = reply.message;
      showProblems();
      return;
  }
};

/** "2.weight" (the Sequential's parameter name) as the notes name it: W^(2) (Dense layers are every other layer). */
function notesName(parameter: string): string {
  const match = /^(\d+)\.(weight|bias)$/.exec(parameter);
  if (match === null) return parameter;
  const l = Number(match[1]) / 2 + 1;
  return `${match[2] === "weight" ? "W" : "b"}^(${l}) (${parameter})`;
}

// ---- files ------------------------------------------------------------------------------------

$("gradcheck").addEventListener("click", () => {
  $("gradcheck-result").textContent = "…";
  send({ type: "gradcheck" });
});
$("export").addEventListener("click", () => send({ type: "export", url: location.href }));

$<HTMLInputElement>("csv-file").addEventListener("change", async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file === undefined) return;
  try {
    const text = await file.text();
    const columns = csvColumns(text);
    csv = { text, name: file.name, x: columns.x, y: columns.y, label: columns.label };
    renderCsvColumns(columns.columns);
    update({ dataset: "csv" });
    $("file-result").textContent =
      `${file.name}: ${data.train.length + data.test.length} points, ${data.task}`;
  } catch (error) {
    $("file-result").textContent = `${file.name}: ${error instanceof Error ? error.message : String(error)}`;
  }
});

function renderCsvColumns(columns: readonly string[]): void {
  const root = $("csv-columns");
  root.hidden = false;
  root.replaceChildren(
    ...(["x", "y", "label"] as const).map((role) => {
      const label = document.createElement("label");
      label.append(`${role === "x" ? "X₁" : role === "y" ? "X₂" : "label"} `);
      const select = document.createElement("select");
      options(select, columns, csv![role]);
      select.addEventListener("change", () => {
        const previous = csv![role];
        csv = { ...csv!, [role]: select.value };
        try {
          update({ dataset: "csv" });
        } catch (error) {
          csv = { ...csv!, [role]: previous };
          select.value = previous;
          $("file-result").textContent = error instanceof Error ? error.message : String(error);
        }
      });
      label.append(select);
      return label;
    }),
  );
}

$<HTMLInputElement>("import-run").addEventListener("change", async (e) => {
  const list = [...((e.target as HTMLInputElement).files ?? [])];
  try {
    const files = new Map<string, Uint8Array>();
    for (const file of list) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (file.name.endsWith(".zip"))
        for (const [path, content] of Object.entries(unzipSync(bytes)))
          files.set(path.split("/").pop()!, content);
      else files.set(file.name, bytes);
    }
    const need = (name: string) =>
      files.get(name) ??
      (() => {
        throw new Error(
          `import: pick model.json, model.safetensors and preprocessing.json (or the run's zip); ${name} is missing`,
        );
      })();
    const run = importRun({
      architecture: JSON.parse(strFromU8(need("model.json"))),
      weights: need("model.safetensors"),
      preprocessing: JSON.parse(strFromU8(need("preprocessing.json"))),
    });
    const dataset =
      run.task === "regression"
        ? isRegressionDataset(state.dataset as DatasetName)
          ? state.dataset
          : "plane"
        : isRegressionDataset(state.dataset as DatasetName)
          ? "circle"
          : state.dataset;
    state = {
      ...state,
      features: run.features,
      hidden: run.hidden,
      activation: run.activation,
      bias: run.bias,
      dataset,
    };
    window.history.replaceState(null, "", encodeState(state));
    loadData();
    renderControls();
    resetNetwork(run.weights);
    $("file-result").textContent =
      `imported: ${run.features.join(", ")} → ${run.hidden.join("-") || "no hidden layer"} → 1 (${run.activation})`;
  } catch (error) {
    $("file-result").textContent = error instanceof Error ? error.message : String(error);
  }
});

// ---- start ------------------------------------------------------------------------------------

window.addEventListener("hashchange", () => {
  const next = decodeState(location.hash);
  problems = next.problems;
  state = next.state;
  setPlaying(false);
  loadData();
  renderControls();
  resetNetwork();
});

/** For tests and the curious: the measured frame rate and training speed while playing. */
(window as unknown as { playground: unknown }).playground = {
  state: () => state,
  data: () => data,
  snapshot: () => last,
  playing: () => playing,
  stats() {
    const first = frames[0];
    const end = frames[frames.length - 1];
    if (first === undefined || end === undefined || end.time === first.time)
      return { frames: frames.length, fps: 0, stepsPerSecond: 0 };
    const seconds = (end.time - first.time) / 1000;
    const mean = (key: "drawMs" | "trainMs" | "workMs") =>
      frames.reduce((sum, f) => sum + f[key], 0) / frames.length;
    return {
      frames: frames.length,
      fps: (frames.length - 1) / seconds,
      stepsPerSecond: (end.steps - first.steps) / seconds,
      drawMs: mean("drawMs"),
      trainMs: mean("trainMs"),
      workMs: mean("workMs"),
    };
  },
};

$("play").innerHTML = ICONS.play;
$("step").innerHTML = ICONS.step;
$("reset").innerHTML = ICONS.reset;
loadData();
renderControls();
resetNetwork();
requestAnimationFrame(frame);
