import { zerosLike } from "./create.js";
import { formatShape, ShapeError } from "./errors.js";
import { constant, evaluate } from "./expr.js";
import { sameShape } from "./shape.js";
import type { Tensor } from "./tensor.js";

/**
 * A trainable tensor and the gradient ∂E/∂value accumulated for it: the unit optimizers update.
 * `name` is stable and unique within a model (e.g. `"0.weight"`), so optimizer state and saved
 * weights are keyed by name, never by position.
 */
export interface Parameter {
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
}

/**
 * A gradient tensor and whether it is zero by `zeroGradient` but not yet written: every view of one
 * parameter (its renamed copies in a Sequential) shares one slot.
 */
interface GradientSlot {
  readonly tensor: Tensor;
  zeroPending: boolean;
}

/** The key of a parameter's slot; `Symbol.for`, so a second copy of this package recognises it. */
const SLOT = Symbol.for("@backprop/tensor.gradientSlot");

/**
 * What `parameter()` and `renameParameter()` make: a plain object whose `grad` getter writes the
 * pending zeros before it returns. The slot is not enumerable, so a spread copy `{ ...p }` holds the
 * gradient tensor as a plain property and is zeroed like any plain parameter.
 */
function slotted(name: string, value: Tensor, slot: GradientSlot): Parameter {
  const p = {
    name,
    value,
    get grad(): Tensor {
      if (slot.zeroPending) {
        fillZero(slot.tensor);
        slot.zeroPending = false;
      }
      return slot.tensor;
    },
  };
  Object.defineProperty(p, SLOT, { value: slot });
  return p;
}

function slotOf(p: Parameter): GradientSlot | undefined {
  return (p as { [SLOT]?: GradientSlot })[SLOT];
}

function fillZero(t: Tensor): void {
  evaluate({ shape: t.size, assign: [[t, constant(0)]] });
}

/** A parameter over `value` with a zeroed gradient of the same shape, dtype and backend. */
export function parameter(name: string, value: Tensor, grad: Tensor = zerosLike(value)): Parameter {
  if (!sameShape(value.shape, grad.shape) || value.dtype !== grad.dtype) {
    throw new ShapeError(
      `parameter ${name}: grad ${grad.dtype}${formatShape(grad.shape)} does not match value ${value.dtype}${formatShape(value.shape)}`,
    );
  }
  return slotted(name, value, { tensor: grad, zeroPending: false });
}

/** `p` under another name, sharing its value and its gradient (a pending zero included). */
export function renameParameter(p: Parameter, name: string): Parameter {
  const slot = slotOf(p);
  return slot === undefined ? { name, value: p.value, grad: p.grad } : slotted(name, p.value, slot);
}

/**
 * Sets ∂E/∂value to zero, like PyTorch's `zero_grad(set_to_none=True)`: for a parameter made by
 * `parameter()` no pass runs now; the zeros are written when something reads `p.grad`, or skipped
 * when a layer's backward overwrites the gradient (`writeGradient`). Other parameters are filled.
 */
export function zeroGradient(p: Parameter): void {
  const slot = slotOf(p);
  if (slot === undefined) fillZero(p.grad);
  else slot.zeroPending = true;
}

/**
 * Runs `write(grad, accumulate)`, a layer's backward adding its ∂E/∂value to p's gradient tensor:
 * `accumulate` is false after `zeroGradient`, where the gradient is zero but its zeros are not
 * written, so `write` must overwrite every element (gemm with β = 0) and no zeroing pass runs. The
 * zeros count as written only once `write` returns: if it throws after a zeroing, p's gradient still
 * reads as zero.
 */
export function writeGradient(p: Parameter, write: (grad: Tensor, accumulate: boolean) => void): void {
  const slot = slotOf(p);
  if (slot === undefined) {
    write(p.grad, true);
    return;
  }
  write(slot.tensor, !slot.zeroPending);
  slot.zeroPending = false;
}
