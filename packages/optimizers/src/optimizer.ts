import {
  allocateArray,
  type Backend,
  type DType,
  type FusedOps,
  hasFusedOps,
  jsBackend,
  type Parameter,
  type Storage,
  sameShape,
} from "@backprop/tensor";
import { OptimizerError, StateDictError } from "./errors.js";
import type { FusedParameter, FusedUpdate } from "./fused.js";
import { isJsonObject, type JsonValue } from "./json.js";
import type { ParamArrays } from "./params.js";
import { encodeState, restoreState } from "./state-codec.js";
import {
  checkTensorReferences,
  collectInto,
  type StateTensor,
  type TensorCollector,
} from "./state-tensors.js";
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

/** `float32[2,3]` for a parameter or a saved entry; a malformed saved entry is shown as JSON. */
function describe(p: unknown): string {
  const entry = p as { shape?: unknown; dtype?: unknown } | null;
  if (
    entry === null ||
    typeof entry !== "object" ||
    !Array.isArray(entry.shape) ||
    typeof entry.dtype !== "string"
  ) {
    return JSON.stringify(p)?.slice(0, 80) ?? String(p);
  }
  return `${entry.dtype}[${entry.shape.join(",")}]`;
}

/**
 * A training-loop facade over a gradient transformation, like torch.optim.Optimizer:
 *
 * ```ts
 * const opt = new Optimizer(adamw({ lr: 1e-3 }), model.parameters());
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 *
 * `step()` copies each gradient into an update buffer it owns, runs the transformation (u = T(g)) and
 * applies θ ← θ + u in place. All buffers are allocated here, once; a step allocates nothing.
 *
 * When the transformation has a fused form (`transform.fused`: built-in SGD, Adam and AdamW without
 * maximize, dampening, AMSGrad or a weight-decay mask) and every parameter is float32 on a backend with
 * fused ops other than the JS reference backend (e.g. `@backprop/tensor-wasm`), `step()` instead runs that
 * backend's kernel per parameter (`sgdStep` / `adamStep`) on the tensors where they live, and the
 * per-parameter state buffers live in that backend too. The state, `stateDict()` and `loadStateDict()`
 * are the same either way; the kernels round in their own order (and `adamStep` flushes subnormal
 * moments to zero), so the values agree with the typed-array path to float32 rounding, not bitwise.
 * On the JS backend and in float64 the typed-array path runs: it is the reference that matches PyTorch.
 */
export class Optimizer {
  readonly transform: GradientTransformation;
  private bound: readonly Parameter[];
  private readonly params: ParamArrays;
  private readonly updates: ParamArrays;
  private readonly state: unknown;
  private steps = 0;
  /** The fused form this optimizer runs, or undefined for the typed-array path. */
  private readonly fused: FusedUpdate | undefined = undefined;
  /** With `fused`: the parameters as the kernels see them, their state buffers in their backends. */
  private kernelParams: readonly FusedParameter[] = [];

  constructor(transform: GradientTransformation, parameters: readonly Parameter[]) {
    const names = new Set<string>();
    for (const p of parameters) {
      if (names.has(p.name))
        throw new OptimizerError(`Optimizer: two parameters are named "${p.name}"; names must be unique`);
      names.add(p.name);
      if (p.grad.size !== p.value.size || p.grad.dtype !== p.value.dtype) {
        throw new OptimizerError(
          `Optimizer: parameter "${p.name}": grad ${describe(p.grad)} does not match value ${describe(p.value)}`,
        );
      }
    }
    this.transform = transform;
    this.bound = [...parameters];
    const shapes = parameters.map((p) => [...p.value.shape]);
    this.params = { names: [...names], shapes, arrays: parameters.map((p) => p.value.data) };
    this.updates = {
      names: this.params.names,
      shapes,
      arrays: parameters.map((p) => allocateArray(p.value.dtype, p.value.size)),
    };
    this.state = transform.init(this.params);
    const backends = parameters.map(fusedBackendOf);
    const fused = transform.fused;
    if (fused !== undefined && backends.length > 0 && backends.every((b) => b !== undefined)) {
      this.fused = fused;
      // The state's per-parameter buffers move into each parameter's backend; the ParamArrays keep
      // views of them (refreshed by `viewFusedState`), so stateDict() and loadStateDict() see them.
      const buffers = fused.buffers(this.state);
      this.kernelParams = parameters.map((p, i) => {
        const backend = backends[i]!;
        const storages = buffers.map((b) => {
          const storage = backend.allocate(p.value.dtype, p.value.size);
          storage.data.set(b.arrays[i]!);
          return storage;
        });
        return kernelParameter(p, backend, storages);
      });
      this.viewFusedState();
    }
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
    if (parameters !== this.bound) this.rebind(parameters);
    if (this.fused !== undefined) {
      this.fused.step(this.state, this.kernelParams);
      this.steps += 1;
      return;
    }
    const n = parameters.length;
    for (let i = 0; i < n; i++) {
      const p = parameters[i]!;
      this.params.arrays[i] = p.value.data;
      this.updates.arrays[i]!.set(p.grad.data);
    }
    const out = this.transform.update(this.updates, this.state, this.params);
    for (let i = 0; i < n; i++) {
      const v = parameters[i]!.value.data;
      const u = out.arrays[i]!;
      for (let j = 0; j < v.length; j++) v[j]! += u[j]!;
    }
    this.steps += 1;
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    for (let i = 0; i < this.bound.length; i++) this.bound[i]!.grad.data.fill(0);
  }

  /** Plain JSON (survives JSON.stringify / parse bit for bit), keyed by parameter name. */
  stateDict(): OptimizerStateDict {
    return this.encode(undefined);
  }

  /**
   * The state as small JSON plus binary tensors: like `stateDict()`, with every per-parameter buffer
   * replaced by {"$tensor": key} and the buffers in `tensors` (views of the live state, not copies:
   * store them before the next `step()`). For states too large for JSON (a 100M-parameter Adam).
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
    this.viewFusedState();
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
    this.viewFusedState();
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
      const u = this.updates.arrays[i]!;
      if (p.name !== names[i])
        throw new OptimizerError(`Optimizer.step: parameter ${i} is "${p.name}", expected "${names[i]}"`);
      const sameKind =
        sameShape(p.value.shape, this.params.shapes[i]!) && p.value.dtype === this.bound[i]!.value.dtype;
      if (!sameKind || p.grad.size !== u.length || p.grad.dtype !== p.value.dtype) {
        throw new OptimizerError(
          `Optimizer.step: parameter "${p.name}" changed shape or dtype: ${describe(p.value)}`,
        );
      }
      const kernel = this.kernelParams[i];
      if (kernel !== undefined && fusedBackendOf(p) !== kernel.backend) {
        throw new OptimizerError(
          `Optimizer.step: parameter "${p.name}" moved from backend ${kernel.backend.name} to ${p.value.backend.name}, where this optimizer's state does not live; create a new Optimizer and loadStateDict(old.stateDict())`,
        );
      }
    }
    if (this.fused !== undefined) {
      this.kernelParams = parameters.map((p, i) => {
        const { backend, buffers } = this.kernelParams[i]!;
        return kernelParameter(p, backend, buffers);
      });
    }
    this.bound = parameters;
  }

  /**
   * Points the state's per-parameter arrays at fresh views of the storages the fused kernels update (a
   * backend re-creates its views when its memory grows), before the state is read or written as arrays.
   */
  private viewFusedState(): void {
    if (this.fused === undefined) return;
    const buffers = this.fused.buffers(this.state);
    for (let b = 0; b < buffers.length; b++) {
      for (let i = 0; i < this.kernelParams.length; i++) {
        buffers[b]!.arrays[i] = this.kernelParams[i]!.buffers[b]!.data;
      }
    }
  }
}

/**
 * The backend whose fused kernels `step()` may run for this parameter, or undefined: the parameter must be
 * float32 with value and gradient on one backend with fused ops, and that backend not the JS reference
 * backend (whose typed-array path is the exact one).
 */
function fusedBackendOf(p: Parameter): (Backend & FusedOps) | undefined {
  const backend = p.value.backend;
  const native = hasFusedOps(backend) && backend.name !== jsBackend.name;
  return native && p.value.dtype === "float32" && p.grad.backend === backend ? backend : undefined;
}

/** The parameter as the kernels see it, with its state buffers in `backend`. */
function kernelParameter(
  p: Parameter,
  backend: Backend & FusedOps,
  buffers: readonly Storage[],
): FusedParameter {
  return { backend, length: p.value.size, value: p.value.storage, grad: p.grad.storage, buffers };
}
