import { adabelief } from "./alias/adabelief.js";
import { adadelta } from "./alias/adadelta.js";
import { adagrad } from "./alias/adagrad.js";
import { adam } from "./alias/adam.js";
import { adamax } from "./alias/adamax.js";
import { adamw } from "./alias/adamw.js";
import { lion } from "./alias/lion.js";
import { nadam } from "./alias/nadam.js";
import { rmsprop } from "./alias/rmsprop.js";
import { sgd } from "./alias/sgd.js";
import { chain } from "./chain.js";
import { OptimizerError } from "./errors.js";
import { isJsonObject, type JsonObject } from "./json.js";
import { constantLr } from "./schedules/constant.js";
import { cosineAnnealingLr } from "./schedules/cosine.js";
import { cosineAnnealingWarmRestarts } from "./schedules/cosine-warm-restarts.js";
import { exponentialLr } from "./schedules/exponential.js";
import { linearLr } from "./schedules/linear.js";
import { multiStepLr } from "./schedules/multi-step.js";
import { oneCycleLr } from "./schedules/one-cycle.js";
import { reduceLrOnPlateau } from "./schedules/reduce-on-plateau.js";
import type { LrSchedule, StepSchedule } from "./schedules/schedule.js";
import { sequentialLr } from "./schedules/sequential.js";
import { stepLr } from "./schedules/step.js";
import type { GradientTransformation, Spec } from "./transform.js";
import { clipByGlobalNorm } from "./transforms/clip-by-global-norm.js";
import { clipByValue } from "./transforms/clip-by-value.js";

/** Builds a transformation from the JSON options of its spec. */
export type TransformFactory = (options: JsonObject, registry: OptimizerRegistry) => GradientTransformation;
/** Builds a schedule from the JSON options of its spec. */
export type ScheduleFactory = (options: JsonObject, registry: OptimizerRegistry) => LrSchedule;

/**
 * Rebuilds optimizers and schedules from JSON specs (`{ type, options }`, as `transform.spec`,
 * `schedule.spec` and `stateDict().optimizer` hold them). A registry is a value the caller owns:
 * registering a type in one registry changes no other.
 */
export interface OptimizerRegistry {
  /** Adds an optimizer type rebuilt from its JSON spec by `factory`; a type registered twice throws. */
  register(type: string, factory: TransformFactory): void;
  /** Adds a learning-rate schedule type rebuilt from its JSON spec by `factory`; a type registered twice throws. */
  registerSchedule(type: string, factory: ScheduleFactory): void;
  /** Rebuilds a gradient transformation from its spec `{ type, options }`. */
  create(spec: Spec): GradientTransformation;
  /** Rebuilds a learning-rate schedule from its spec `{ type, options }`. */
  createSchedule(spec: Spec): LrSchedule;
  /** The optimizer types this registry knows. */
  types(): string[];
  /** The schedule types this registry knows. */
  scheduleTypes(): string[];
}

type Options<F extends (o: never) => unknown> = Parameters<F>[0];

/** A learning rate option from JSON: a number, or a schedule spec `{ type, options }`. */
function withSchedule<T>(options: JsonObject, registry: OptimizerRegistry): T {
  const lr = options.lr;
  const resolved = isJsonObject(lr) ? { ...options, lr: registry.createSchedule(specOf(lr, "lr")) } : options;
  return resolved as unknown as T;
}

function specOf(value: unknown, where: string): Spec {
  if (!isJsonObject(value) || typeof value.type !== "string" || !isJsonObject(value.options ?? {})) {
    throw new OptimizerError(
      `registry: ${where} must be a spec { type: string, options: object }, got ${JSON.stringify(value)}`,
    );
  }
  return { type: value.type, options: (value.options ?? {}) as JsonObject };
}

function listOf(value: unknown, where: string): Spec[] {
  if (!Array.isArray(value))
    throw new OptimizerError(`registry: ${where} must be a list of specs, got ${JSON.stringify(value)}`);
  return value.map((v, i) => specOf(v, `${where}[${i}]`));
}

/** A registry holding the built-in optimizers, clipping transforms, `chain` and every built-in schedule. */
export function createOptimizerRegistry(): OptimizerRegistry {
  const transforms = new Map<string, TransformFactory>();
  const schedules = new Map<string, ScheduleFactory>();
  const registry: OptimizerRegistry = {
    register(type, factory) {
      if (transforms.has(type))
        throw new OptimizerError(`registry: an optimizer "${type}" is already registered`);
      transforms.set(type, factory);
    },
    registerSchedule(type, factory) {
      if (schedules.has(type))
        throw new OptimizerError(`registry: a schedule "${type}" is already registered`);
      schedules.set(type, factory);
    },
    create(spec) {
      const checked = specOf(spec, "spec");
      const factory = transforms.get(checked.type);
      if (factory === undefined) {
        throw new OptimizerError(
          `registry: unknown optimizer "${checked.type}" (known: ${[...transforms.keys()].join(", ")})`,
        );
      }
      return factory(checked.options, registry);
    },
    createSchedule(spec) {
      const checked = specOf(spec, "schedule spec");
      const factory = schedules.get(checked.type);
      if (factory === undefined) {
        throw new OptimizerError(
          `registry: unknown schedule "${checked.type}" (known: ${[...schedules.keys()].join(", ")})`,
        );
      }
      return factory(checked.options, registry);
    },
    types: () => [...transforms.keys()],
    scheduleTypes: () => [...schedules.keys()],
  };

  registry.register("sgd", (o, r) => sgd(withSchedule<Options<typeof sgd>>(o, r)));
  registry.register("adam", (o, r) => adam(withSchedule<Options<typeof adam>>(o, r)));
  registry.register("adamw", (o, r) => adamw(withSchedule<Options<typeof adamw>>(o, r)));
  registry.register("rmsprop", (o, r) => rmsprop(withSchedule<Options<typeof rmsprop>>(o, r)));
  registry.register("adagrad", (o, r) => adagrad(withSchedule<Options<typeof adagrad>>(o, r)));
  registry.register("adamax", (o, r) => adamax(withSchedule<Options<typeof adamax>>(o, r)));
  registry.register("nadam", (o, r) => nadam(withSchedule<Options<typeof nadam>>(o, r)));
  registry.register("adadelta", (o, r) => adadelta(withSchedule<Options<typeof adadelta>>(o, r)));
  registry.register("lion", (o, r) => lion(withSchedule<Options<typeof lion>>(o, r)));
  registry.register("adabelief", (o, r) => adabelief(withSchedule<Options<typeof adabelief>>(o, r)));
  registry.register("clipByGlobalNorm", (o) =>
    clipByGlobalNorm(o as unknown as Options<typeof clipByGlobalNorm>),
  );
  registry.register("clipByValue", (o) => clipByValue(o as unknown as Options<typeof clipByValue>));
  registry.register("chain", (o, r) =>
    chain(...listOf(o.transforms, "chain.transforms").map((s) => r.create(s))),
  );

  const fromJson =
    <O>(build: (options: O) => StepSchedule) =>
    (o: JsonObject) =>
      build(o as unknown as O);
  registry.registerSchedule("constantLr", fromJson(constantLr));
  registry.registerSchedule("stepLr", fromJson(stepLr));
  registry.registerSchedule("multiStepLr", fromJson(multiStepLr));
  registry.registerSchedule("exponentialLr", fromJson(exponentialLr));
  registry.registerSchedule("cosineAnnealingLr", fromJson(cosineAnnealingLr));
  registry.registerSchedule("cosineAnnealingWarmRestarts", fromJson(cosineAnnealingWarmRestarts));
  registry.registerSchedule("linearLr", fromJson(linearLr));
  registry.registerSchedule("oneCycleLr", fromJson(oneCycleLr));
  registry.registerSchedule("reduceLrOnPlateau", (o) =>
    reduceLrOnPlateau(o as unknown as Options<typeof reduceLrOnPlateau>),
  );
  registry.registerSchedule("sequentialLr", (o, r) => {
    const children = listOf(o.schedules, "sequentialLr.schedules").map(
      (s) => r.createSchedule(s) as StepSchedule,
    );
    return sequentialLr({ schedules: children, milestones: o.milestones as number[] });
  });
  return registry;
}
