import { type Expr, evaluate, reduceAxis, type Tensor, zeros } from "@backprop/tensor";
import { OptimizerError } from "./errors.js";
import type { ParamTensors } from "./params.js";
import type { UpdateContext } from "./transform.js";

/**
 * The `UpdateContext` of one step over `params`: it collects every state write a transformation
 * records for parameter i, and `run(i, …)` executes them together with that parameter's own
 * assignment (θ ← θ + u, or u materialised) as ONE `evaluate` pass on the parameter's backend. Global
 * reductions (`sum`, `max`) run at once, one pass per parameter, on the state as it was before the
 * step (the recorded writes are not done yet; the Exprs they returned compute the new values).
 * Reused across steps: the lists are emptied, not re-created.
 */
export class StepPass implements UpdateContext {
  private readonly params: ParamTensors;
  private readonly pending: [Tensor, Expr][][];
  /** Per parameter: the buffer `max` materialises into and its one-element result, made at first use. */
  private readonly scratch: ([Tensor, Tensor] | undefined)[];

  constructor(params: ParamTensors) {
    this.params = params;
    this.pending = params.names.map(() => []);
    this.scratch = params.names.map(() => undefined);
  }

  assign(parameterIndex: number, target: Tensor, value: Expr): Expr {
    const list = this.pending[parameterIndex];
    if (list === undefined) {
      throw new OptimizerError(
        `UpdateContext.assign: parameter index ${parameterIndex} is out of range (${this.pending.length} parameters)`,
      );
    }
    list.push([target, value]);
    return value;
  }

  /** Σ_i Σ_e exprs[i], the per-parameter sums added in parameter order (as clip_grad_norm_ adds its norms). */
  sum(exprs: readonly Expr[]): number {
    return this.select(this.params.names.map((_, i) => i)).sum(exprs);
  }

  max(exprs: readonly Expr[]): number {
    return this.select(this.params.names.map((_, i) => i)).max(exprs);
  }

  select(indices: readonly number[]): UpdateContext {
    return new SelectedParameters(this, indices);
  }

  /** Σ_e expr over parameter i's elements. */
  sumOf(i: number, expr: Expr): number {
    return evaluate({ shape: this.size(i), sums: [expr] })[0]!;
  }

  /** max_e expr over parameter i's elements (−∞ for an empty parameter). */
  maxOf(i: number, expr: Expr): number {
    if (this.size(i) === 0) return Number.NEGATIVE_INFINITY;
    const like = this.params.tensors[i]!;
    let scratch = this.scratch[i];
    if (scratch === undefined) {
      const placed = { dtype: like.dtype, backend: like.backend };
      scratch = [zeros([1, like.size], placed), zeros([1], placed)];
      this.scratch[i] = scratch;
    }
    const [buffer, result] = scratch;
    evaluate({ shape: this.size(i), assign: [[buffer, expr]] });
    return reduceAxis(buffer, "max", 1, result).item();
  }

  /**
   * Runs `target ← value` and every state write recorded for parameter i, in one pass; with `check`,
   * that pass also says whether some element of `check` is NaN or ±∞ (else false).
   */
  run(i: number, target: Tensor, value: Expr, check?: Expr): boolean {
    const list = this.pending[i]!;
    list.unshift([target, value]);
    try {
      if (check === undefined) {
        evaluate({ shape: this.size(i), assign: list });
        return false;
      }
      return evaluate({ shape: this.size(i), assign: list, nonFinite: [check] })[0] === 1;
    } finally {
      list.length = 0;
    }
  }

  /** Forgets the recorded writes (after a failed update, so the next step starts clean). */
  clear(): void {
    for (const list of this.pending) list.length = 0;
  }

  private size(i: number): number {
    return this.params.tensors[i]!.size;
  }
}

/** A `StepPass` seen through `select(indices)`: parameter j here is parameter indices[j] there. */
class SelectedParameters implements UpdateContext {
  private readonly pass: StepPass;
  private readonly indices: readonly number[];

  constructor(pass: StepPass, indices: readonly number[]) {
    this.pass = pass;
    this.indices = indices;
  }

  assign(parameterIndex: number, target: Tensor, value: Expr): Expr {
    return this.pass.assign(this.index("assign", parameterIndex), target, value);
  }

  sum(exprs: readonly Expr[]): number {
    this.checkCount("sum", exprs);
    let total = 0;
    for (let j = 0; j < exprs.length; j++) total += this.pass.sumOf(this.indices[j]!, exprs[j]!);
    return total;
  }

  max(exprs: readonly Expr[]): number {
    this.checkCount("max", exprs);
    let best = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < exprs.length; j++)
      best = Math.max(best, this.pass.maxOf(this.indices[j]!, exprs[j]!));
    return best;
  }

  select(indices: readonly number[]): UpdateContext {
    return new SelectedParameters(
      this.pass,
      indices.map((j) => this.index("select", j)),
    );
  }

  private index(op: string, j: number): number {
    const i = this.indices[j];
    if (i === undefined) {
      throw new OptimizerError(
        `UpdateContext.${op}: parameter index ${j} is out of range (${this.indices.length} parameters)`,
      );
    }
    return i;
  }

  private checkCount(op: string, exprs: readonly Expr[]): void {
    if (exprs.length !== this.indices.length) {
      throw new OptimizerError(
        `UpdateContext.${op}: got ${exprs.length} expressions for ${this.indices.length} parameters`,
      );
    }
  }
}
