import { type DType, type Expr, lazy, type Parameter, sameShape, zeroGradient } from "@backprop/tensor";
import { describe } from "./describe.js";
import { OptimizerError, StateDictError } from "./errors.js";
import { isJsonObject, type JsonValue } from "./json.js";
import type { ParamTensors } from "./params.js";
import { encodeState, restoreState } from "./state-codec.js";
import {
  checkTensorReferences,
  collectInto,
  type StateTensor,
  type TensorCollector,
} from "./state-tensors.js";
import { StepPass } from "./step-pass.js";
import type { GradientTransformation, Spec } from "./transform.js";

/** The JSON `Optimizer.stateDict()` returns; see the package README for an example. */
export interface OptimizerStateDict {
  format: "backprop.optimizer/1";
  /** The optimizer's spec (for a registry), or null when it has none. */
  optimizer: Spec | null;
  /** Steps taken. */
  step: number;
  /** Shape and dtype of every parameter, by name, in parameter order. */
  params: { [name: string]: { shape: number[]; dtype: DType } };
  /** The transformation's state: per-parameter buffers as `{ [name]: number[] }`. */
  state: JsonValue;
}

/**
 * What `Optimizer.saveState()` returns: the state dict with each per-parameter buffer replaced by
 * {"$tensor": key}, and those buffers by key (to store as binary, e.g. safetensors).
 */
export interface SavedOptimizerState {
  dict: OptimizerStateDict;
  tensors: Map<string, StateTensor>;
}

const FORMAT = "backprop.optimizer/1";

/** What `checkedStep` returns when nothing is NaN or ±∞: one shared empty list, so a step allocates none. */
const ALL_FINITE: readonly number[] = Object.freeze([]);

/**
 * A training-loop facade over a gradient transformation, like torch.optim.Optimizer:
 *
 * ```ts
 * const opt = new Optimizer(adamw({ lr: 1e-3 }), model.parameters());
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 *
 * `step()` builds the transformation's update u = T(g) as one expression per parameter and runs, per
 * parameter, ONE elementwise pass on the parameter's backend that applies θ ← θ + u and writes that
 * parameter's state (m, v, …): any transformation or chain, built-in or not, runs on the backend's
 * fused path. A global reduction (clipByGlobalNorm's norm) is one extra pass per parameter before.
 * The state buffers are tensors on the parameters' backends, allocated here, once.
 */
export class Optimizer {
  readonly transform: GradientTransformation;
  private bound: readonly Parameter[];
  private readonly params: ParamTensors;
  private readonly state: unknown;
  private readonly pass: StepPass;
  private steps = 0;

  constructor(transform: GradientTransformation, parameters: readonly Parameter[]) {
    const names = new Set<string>();
    for (const p of parameters) {
      if (names.has(p.name))
        throw new OptimizerError(`Optimizer: two parameters are named "${p.name}"; names must be unique`);
      names.add(p.name);
      checkGradient("Optimizer", p);
    }
    this.transform = transform;
    this.bound = [...parameters];
    const shapes = parameters.map((p) => [...p.value.shape]);
    this.params = { names: [...names], shapes, tensors: parameters.map((p) => p.value) };
    this.state = transform.init(this.params);
    this.pass = new StepPass(this.params);
  }

  /** The parameters this optimizer updates. */
  get parameters(): readonly Parameter[] {
    return this.bound;
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * θ ← θ + T(∇θ) for every parameter, in place. `parameters` (optional) replaces the bound list, e.g.
   * after a model rebuilt its parameter objects: same names in the same order, same shapes and dtypes.
   */
  step(parameters: readonly Parameter[] = this.bound): void {
    this.apply(parameters, false);
  }

  /**
   * `step()`, and from the same passes the indices (in parameter order) of the parameters whose
   * gradient or new value holds a NaN or ±∞; empty when every one is finite. Each parameter's pass also
   * checks g·0 + θ' (evaluate's `nonFinite`), which is NaN or ±∞ exactly where g is (0·∞ = NaN) or θ'
   * is, as stored in the dtype: no extra pass, and on the wasm backend split across its threads like
   * the update. The step is applied either way (as Keras' TerminateOnNaN sees a loss after its batch):
   * a caller that stops on a report must not save the parameters.
   */
  checkedStep(parameters: readonly Parameter[] = this.bound): readonly number[] {
    return this.apply(parameters, true);
  }

  private apply(parameters: readonly Parameter[], checkFinite: boolean): readonly number[] {
    if (parameters !== this.bound) this.rebind(parameters);
    const n = parameters.length;
    const grads = parameters.map((p) => lazy(p.grad));
    let updates: readonly Expr[];
    try {
      updates = this.transform.update(grads, this.state, this.params, this.pass);
    } catch (error) {
      this.pass.clear();
      throw error;
    }
    if (!Array.isArray(updates) || updates.length !== n) {
      this.pass.clear();
      throw new OptimizerError(
        `Optimizer.step: the transformation returned ${Array.isArray(updates) ? updates.length : String(updates)} updates for ${n} parameters`,
      );
    }
    let nonFinite: number[] | undefined;
    for (let i = 0; i < n; i++) {
      const theta = parameters[i]!.value;
      const next = lazy(theta).add(updates[i]!);
      if (!checkFinite) {
        this.pass.run(i, theta, next);
        continue;
      }
      if (!this.pass.run(i, theta, next, grads[i]!.mul(0).add(next))) continue;
      nonFinite ??= [];
      nonFinite.push(i);
    }
    this.steps += 1;
    return nonFinite ?? ALL_FINITE;
  }

  /**
   * Sets every gradient to zero (`zeroGradient`: no pass for the parameters of `parameter()`; the
   * next backward overwrites them instead of adding).
   */
  zeroGrad(): void {
    for (const p of this.bound) zeroGradient(p);
  }

  /** Plain JSON (survives JSON.stringify / parse bit for bit), keyed by parameter name. */
  stateDict(): OptimizerStateDict {
    return this.encode(undefined);
  }

  /**
   * The state as small JSON plus binary tensors: like `stateDict()`, with every per-parameter buffer
   * replaced by {"$tensor": key} and the buffers, read out of the state tensors, in `tensors`. For
   * states too large for JSON (a 100M-parameter Adam).
   */
  saveState(): SavedOptimizerState {
    const tensors = new Map<string, StateTensor>();
    return { dict: this.encode(collectInto(tensors)), tensors };
  }

  /** Restores a `saveState()`, with the checks of `loadStateDict` and each tensor's dtype and shape. */
  loadState(dict: OptimizerStateDict, tensors: ReadonlyMap<string, StateTensor>): void {
    this.decode(dict, tensors);
  }

  private encode(collect: TensorCollector | undefined): OptimizerStateDict {
    const params: OptimizerStateDict["params"] = {};
    for (const p of this.bound) params[p.name] = { shape: [...p.value.shape], dtype: p.value.dtype };
    const spec = this.transform.spec;
    return {
      format: FORMAT,
      optimizer: spec === undefined ? null : { type: spec.type, options: spec.options },
      step: this.steps,
      params,
      state: encodeState(this.state, "state", collect),
    };
  }

  /**
   * Restores a `stateDict()`. Verifies the format, the optimizer type, every parameter's name, shape and
   * dtype, and the whole state structure before writing anything; fails with a StateDictError naming
   * the parameter (or state path) that does not fit.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    this.decode(dict, undefined);
  }

  private decode(dict: OptimizerStateDict, tensors: ReadonlyMap<string, StateTensor> | undefined): void {
    if (!isJsonObject(dict) || dict.format !== FORMAT) {
      throw new StateDictError(`loadStateDict: not an optimizer state dict (expected format "${FORMAT}")`);
    }
    const saved: unknown = dict.optimizer;
    if (saved !== null && !(isJsonObject(saved) && typeof saved.type === "string")) {
      throw new StateDictError(
        `loadStateDict: "optimizer" must be null or { type, options }, got ${describe(saved)}`,
      );
    }
    const own = this.transform.spec;
    if (saved !== null && own !== undefined && saved.type !== own.type) {
      throw new StateDictError(
        `loadStateDict: the state is for a "${saved.type}" optimizer, this one is "${own.type}"`,
      );
    }
    if (typeof dict.step !== "number" || !Number.isInteger(dict.step) || dict.step < 0) {
      throw new StateDictError(
        `loadStateDict: step must be an integer ≥ 0, got ${JSON.stringify(dict.step)}`,
      );
    }
    if (!isJsonObject(dict.params)) throw new StateDictError("loadStateDict: params must be an object");
    for (const p of this.bound) {
      const s = dict.params[p.name];
      if (s === undefined)
        throw new StateDictError(`loadStateDict: the saved state has no parameter "${p.name}"`);
      const ok =
        isJsonObject(s) &&
        s.dtype === p.value.dtype &&
        Array.isArray(s.shape) &&
        s.shape.join(",") === p.value.shape.join(",");
      if (!ok) {
        throw new StateDictError(
          `loadStateDict: parameter "${p.name}": saved ${describe(s)}, this optimizer has ${describe(p.value)}`,
        );
      }
    }
    const extra = Object.keys(dict.params).filter((name) => !this.params.names.includes(name));
    if (extra.length > 0) {
      throw new StateDictError(
        `loadStateDict: the saved state has parameters this optimizer does not: ${extra.map((n) => `"${n}"`).join(", ")}`,
      );
    }
    if (tensors !== undefined) checkTensorReferences(dict.state, tensors);
    restoreState(this.state, dict.state, "state", false, tensors);
    restoreState(this.state, dict.state, "state", true, tensors);
    this.steps = dict.step;
  }

  private rebind(parameters: readonly Parameter[]): void {
    const names = this.params.names;
    if (parameters.length !== names.length) {
      throw new OptimizerError(
        `Optimizer.step: got ${parameters.length} parameters, this optimizer has ${names.length}`,
      );
    }
    for (let i = 0; i < names.length; i++) {
      const p = parameters[i]!;
      const before = this.bound[i]!.value;
      if (p.name !== names[i])
        throw new OptimizerError(`Optimizer.step: parameter ${i} is "${p.name}", expected "${names[i]}"`);
      if (!sameShape(p.value.shape, this.params.shapes[i]!) || p.value.dtype !== before.dtype) {
        throw new OptimizerError(
          `Optimizer.step: parameter "${p.name}" changed shape or dtype: ${describe(p.value)}`,
        );
      }
      if (p.value.backend !== before.backend) {
        throw new OptimizerError(
          `Optimizer.step: parameter "${p.name}" moved from backend ${before.backend.name} to ${p.value.backend.name}, where this optimizer's state does not live; create a new Optimizer and loadStateDict(old.stateDict())`,
        );
      }
      checkGradient("Optimizer.step", p);
    }
    parameters.forEach((p, i) => {
      this.params.tensors[i] = p.value;
    });
    this.bound = parameters;
  }
}

/** The gradient must match its value in size, dtype and backend (they meet in one elementwise pass). */
function checkGradient(op: string, p: Parameter): void {
  if (p.grad.size !== p.value.size || p.grad.dtype !== p.value.dtype) {
    throw new OptimizerError(
      `${op}: parameter "${p.name}": grad ${describe(p.grad)} does not match value ${describe(p.value)}`,
    );
  }
  if (p.grad.backend !== p.value.backend) {
    throw new OptimizerError(
      `${op}: parameter "${p.name}": grad is on backend ${p.grad.backend.name}, value on ${p.value.backend.name}`,
    );
  }
}
