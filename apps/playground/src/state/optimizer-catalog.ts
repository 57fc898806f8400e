/**
 * The hyper-parameters the page offers for each optimizer and schedule of @backprop/optimizers'
 * registry (createOptimizerRegistry), with the defaults of the optimizers' doc comments (PyTorch's).
 */
export interface NumberParam {
  kind: "number";
  name: string;
  default: number;
}
export interface BooleanParam {
  kind: "boolean";
  name: string;
  default: boolean;
}
export interface ChoiceParam {
  kind: "choice";
  name: string;
  default: string;
  choices: readonly string[];
}
export interface ListParam {
  kind: "list";
  name: string;
  default: readonly number[];
}
export type Param = NumberParam | BooleanParam | ChoiceParam | ListParam;

const num = (name: string, value: number): NumberParam => ({ kind: "number", name, default: value });
const bool = (name: string, value = false): BooleanParam => ({ kind: "boolean", name, default: value });

/** β₁, β₂ are shown as two fields and sent as `betas: [β₁, β₂]`. */
const betas = (beta2: number) => [num("beta1", 0.9), num("beta2", beta2)];

export const OPTIMIZER_PARAMS: Record<string, readonly Param[]> = {
  sgd: [num("momentum", 0), num("dampening", 0), bool("nesterov"), num("weightDecay", 0)],
  adam: [...betas(0.999), num("eps", 1e-8), bool("amsgrad"), num("weightDecay", 0)],
  adamw: [...betas(0.999), num("eps", 1e-8), bool("amsgrad"), num("weightDecay", 0.01)],
  rmsprop: [
    num("alpha", 0.99),
    num("eps", 1e-8),
    num("momentum", 0),
    bool("centered"),
    num("weightDecay", 0),
  ],
  adagrad: [num("lrDecay", 0), num("initialAccumulatorValue", 0), num("eps", 1e-10), num("weightDecay", 0)],
  adamax: [...betas(0.999), num("eps", 1e-8), num("weightDecay", 0)],
  nadam: [
    ...betas(0.999),
    num("eps", 1e-8),
    num("momentumDecay", 4e-3),
    num("weightDecay", 0),
    bool("decoupledWeightDecay"),
  ],
  adadelta: [num("rho", 0.9), num("eps", 1e-6), num("weightDecay", 0)],
  lion: [...betas(0.99), num("weightDecay", 0)],
  adabelief: [
    ...betas(0.999),
    num("eps", 1e-16),
    bool("amsgrad"),
    num("weightDecay", 0),
    bool("decoupledWeightDecay", true),
  ],
};

/**
 * Schedules, stepped once per epoch. Their `lr` (`maxLr` for one-cycle) is the page's learning rate.
 * Required options have a default here so that picking a schedule works at once.
 */
export const SCHEDULE_PARAMS: Record<string, readonly Param[]> = {
  constantLr: [num("factor", 1 / 3), num("totalIters", 5)],
  stepLr: [num("stepSize", 30), num("gamma", 0.1)],
  multiStepLr: [{ kind: "list", name: "milestones", default: [30, 80] }, num("gamma", 0.1)],
  exponentialLr: [num("gamma", 0.99)],
  cosineAnnealingLr: [num("tMax", 100), num("etaMin", 0)],
  cosineAnnealingWarmRestarts: [num("t0", 50), num("tMult", 1), num("etaMin", 0)],
  linearLr: [num("startFactor", 1 / 3), num("endFactor", 1), num("totalIters", 5)],
  oneCycleLr: [
    num("totalSteps", 200),
    num("pctStart", 0.3),
    { kind: "choice", name: "annealStrategy", default: "cos", choices: ["cos", "linear"] },
    num("divFactor", 25),
    num("finalDivFactor", 1e4),
    bool("threePhase"),
  ],
  reduceLrOnPlateau: [
    { kind: "choice", name: "mode", default: "min", choices: ["min", "max"] },
    num("factor", 0.1),
    num("patience", 10),
    num("threshold", 1e-4),
    { kind: "choice", name: "thresholdMode", default: "rel", choices: ["rel", "abs"] },
    num("cooldown", 0),
    num("minLr", 0),
    num("eps", 1e-8),
  ],
};

/** Registry entries that are not optimizers of their own (transforms composed into one). */
export const NOT_OPTIMIZERS = ["clipByGlobalNorm", "clipByValue", "chain"];
/** Schedules that combine other schedules: not offered on the page. */
export const NOT_OFFERED_SCHEDULES = ["sequentialLr"];

export type ParamValues = Record<string, number | boolean | string | number[]>;

/** The JSON options for the registry: every value (the page shows exactly what runs), β's as a pair. */
export function registryOptions(params: readonly Param[], values: ParamValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of params) out[p.name] = values[p.name] ?? p.default;
  if ("beta1" in out && "beta2" in out) {
    out.betas = [out.beta1, out.beta2];
    delete out.beta1;
    delete out.beta2;
  }
  return out;
}
