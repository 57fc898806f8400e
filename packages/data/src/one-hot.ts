import { allocateArray, type DType, prepareOut, type Tensor, zeros } from "@backprop/tensor";
import { DataError } from "./errors.js";

/** Options of `oneHot`: the dtype of a new result, or a tensor to write into. */
export interface OneHotOptions {
  /** dtype of a new result; float32 unless given (ignored when `out` is given). */
  dtype?: DType;
  /** Writes into this [n, numClasses] tensor instead of allocating (for batch loops). */
  out?: Tensor;
}

/** T[i, c] = 1 if labels[i] = c else 0: the target matrix T of E = Σ_n Σ_i (y_ni − T_ni)². */
export function oneHot(labels: ArrayLike<number>, numClasses: number, options: OneHotOptions = {}): Tensor {
  const op = "oneHot";
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new DataError(op, `numClasses must be a positive integer, got ${numClasses}`);
  }
  const n = labels.length;
  const out =
    options.out === undefined
      ? zeros([n, numClasses], options.dtype === undefined ? {} : { dtype: options.dtype })
      : prepareOut(op, options.out, [n, numClasses], options.out);
  const t = allocateArray(out.dtype, n * numClasses);
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new DataError(op, `label ${label} at position ${i} is outside [0, ${numClasses})`);
    }
    t[i * numClasses + label] = 1;
  }
  out.write(t);
  return out;
}
