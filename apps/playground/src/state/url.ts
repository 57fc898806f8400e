import { type DatasetName, isRegressionDataset } from "./datasets.js";
import { type FeatureName, isFeatureName } from "./features.js";
import { OPTIMIZER_PARAMS, type Param, type ParamValues, SCHEDULE_PARAMS } from "./optimizer-catalog.js";
import {
  ACTIVATIONS,
  ALL_DATASETS,
  BACKENDS,
  DEFAULT_STATE,
  LOSSES,
  MAX_LAYERS,
  MAX_NEURONS,
  type PlaygroundState,
  REGULARIZATIONS,
} from "./state.js";

/**
 * The state as a URL hash, `#dataset=xor&noise=10&hidden=4,2&…&opt.momentum=0.9`: every field, so
 * a link shows exactly what its sender saw. Keys are stable; optimizer and schedule
 * hyper-parameters are `opt.<name>` and `sched.<name>`.
 */
export function encodeState(state: PlaygroundState): string {
  const params = new URLSearchParams();
  const put = (key: string, value: string | number | boolean) => params.set(key, String(value));
  put("dataset", state.dataset);
  put("noise", state.noise);
  put("trainRatio", state.trainRatio);
  put("batchSize", state.batchSize);
  put("seed", state.seed);
  put("features", state.features.join(","));
  put("hidden", state.hidden.join(","));
  put("activation", state.activation);
  put("learningRate", state.learningRate);
  put("regularization", state.regularization);
  put("regularizationRate", state.regularizationRate);
  put("optimizer", state.optimizer);
  for (const [k, v] of Object.entries(state.optimizerParams))
    put(`opt.${k}`, Array.isArray(v) ? v.join(",") : v);
  put("schedule", state.schedule);
  for (const [k, v] of Object.entries(state.scheduleParams))
    put(`sched.${k}`, Array.isArray(v) ? v.join(",") : v);
  put("loss", state.loss);
  put("bias", state.bias);
  put("notes", state.notes);
  put("discretize", state.discretize);
  put("showTest", state.showTest);
  put("epochsPerFrame", state.epochsPerFrame);
  put("lang", state.lang);
  put("backend", state.backend);
  return `#${params.toString()}`;
}

/** What decoding found: the state, and one sentence per value that was not understood (and replaced by the default). */
export interface DecodedState {
  state: PlaygroundState;
  problems: string[];
}

function oneOf<T extends string>(values: readonly T[]) {
  return (text: string): T | undefined =>
    (values as readonly string[]).includes(text) ? (text as T) : undefined;
}

function numberIn(low: number, high: number, integer = false) {
  return (text: string): number | undefined => {
    if (text.trim() === "") return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < low || value > high) return undefined;
    if (integer && !Number.isInteger(value)) return undefined;
    return value;
  };
}

function bool(text: string): boolean | undefined {
  return text === "true" ? true : text === "false" ? false : undefined;
}

function hiddenLayers(text: string): number[] | undefined {
  if (text === "") return [];
  const widths = text.split(",").map(numberIn(1, MAX_NEURONS, true));
  if (widths.length > MAX_LAYERS || widths.some((w) => w === undefined)) return undefined;
  return widths as number[];
}

function featureList(text: string): FeatureName[] | undefined {
  const names = text.split(",").filter((n) => n !== "");
  if (names.length === 0 || !names.every(isFeatureName) || new Set(names).size !== names.length)
    return undefined;
  return names as FeatureName[];
}

function paramValue(param: Param, text: string): number | boolean | string | number[] | undefined {
  switch (param.kind) {
    case "number":
      return numberIn(-Number.MAX_VALUE, Number.MAX_VALUE)(text);
    case "boolean":
      return bool(text);
    case "choice":
      return oneOf(param.choices)(text);
    case "list": {
      const items = text.split(",").map(numberIn(0, Number.MAX_SAFE_INTEGER, true));
      return items.every((i) => i !== undefined) ? (items as number[]) : undefined;
    }
  }
}

/**
 * Reads a hash written by `encodeState` (or an older, shorter one): missing keys take the default,
 * a value out of range or of the wrong kind takes the default and is reported in `problems`,
 * unknown keys are reported and ignored.
 */
export function decodeState(hash: string): DecodedState {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const problems: string[] = [];
  const state: PlaygroundState = structuredClone(DEFAULT_STATE);
  const known = new Set<string>();
  function read<K extends keyof PlaygroundState>(
    key: K,
    parse: (text: string) => PlaygroundState[K] | undefined,
    expected: string,
  ): void {
    known.add(key);
    const text = params.get(key);
    if (text === null) return;
    const value = parse(text);
    if (value === undefined)
      problems.push(
        `${key}: expected ${expected}, got ${JSON.stringify(text)}; using ${JSON.stringify(state[key])}`,
      );
    else state[key] = value;
  }
  read("dataset", oneOf<DatasetName>(ALL_DATASETS), `one of ${ALL_DATASETS.join(", ")}`);
  read("noise", numberIn(0, 50), "a number in [0, 50]");
  read("trainRatio", numberIn(10, 90), "a number in [10, 90]");
  read("batchSize", numberIn(1, 1000, true), "an integer in [1, 1000]");
  read("seed", numberIn(0, 2 ** 32 - 1, true), "an integer in [0, 2^32)");
  read(
    "features",
    featureList,
    "a comma-separated list of distinct features (x1, x2, x1sq, x2sq, x1x2, sinx1, sinx2)",
  );
  read("hidden", hiddenLayers, `up to ${MAX_LAYERS} comma-separated widths in [1, ${MAX_NEURONS}]`);
  read("activation", oneOf(ACTIVATIONS), `one of ${ACTIVATIONS.join(", ")}`);
  read("learningRate", numberIn(Number.MIN_VALUE, 100), "a positive number ≤ 100");
  read("regularization", oneOf(REGULARIZATIONS), `one of ${REGULARIZATIONS.join(", ")}`);
  read("regularizationRate", numberIn(0, 100), "a number in [0, 100]");
  read(
    "optimizer",
    oneOf(Object.keys(OPTIMIZER_PARAMS)),
    `one of ${Object.keys(OPTIMIZER_PARAMS).join(", ")}`,
  );
  read(
    "schedule",
    oneOf(["none", ...Object.keys(SCHEDULE_PARAMS)]),
    `none or one of ${Object.keys(SCHEDULE_PARAMS).join(", ")}`,
  );
  read("loss", oneOf(LOSSES), `one of ${LOSSES.join(", ")}`);
  read("bias", bool, "true or false");
  read("notes", bool, "true or false");
  read("discretize", bool, "true or false");
  read("showTest", bool, "true or false");
  read("epochsPerFrame", numberIn(1, 100, true), "an integer in [1, 100]");
  read("lang", oneOf(["en", "zh"] as const), "en or zh");
  read("backend", oneOf(BACKENDS), `one of ${BACKENDS.join(", ")}`);
  const nested = (prefix: string, catalog: readonly Param[] | undefined, into: ParamValues) => {
    for (const [key, text] of params) {
      if (!key.startsWith(prefix)) continue;
      known.add(key);
      const name = key.slice(prefix.length);
      const param = catalog?.find((p) => p.name === name);
      const value = param === undefined ? undefined : paramValue(param, text);
      if (value === undefined)
        problems.push(`${key}: not a valid hyper-parameter value (${JSON.stringify(text)}); ignored`);
      else into[name] = value;
    }
  };
  nested("opt.", OPTIMIZER_PARAMS[state.optimizer], state.optimizerParams);
  nested("sched.", SCHEDULE_PARAMS[state.schedule], state.scheduleParams);
  for (const key of params.keys()) if (!known.has(key)) problems.push(`${key}: unknown setting; ignored`);
  return { state, problems };
}

export function problemOf(state: PlaygroundState): "classification" | "regression" {
  return state.dataset !== "csv" && isRegressionDataset(state.dataset) ? "regression" : "classification";
}
