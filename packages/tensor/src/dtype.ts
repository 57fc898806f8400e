/** The element types a tensor can hold: float32 for training, float64 where exactness matters. */
export type DType = "float32" | "float64";

/** The typed array behind a tensor of either dtype. */
export type FloatArray = Float32Array | Float64Array;

/** The typed array type that holds elements of dtype `D`. */
export type ArrayFor<D extends DType> = D extends "float32" ? Float32Array : Float64Array;

/** The element types a tensor can have: float32 and float64. */
export const DTYPES: readonly DType[] = ["float32", "float64"];

/** Allocates a zero-filled typed array of `length` elements of `dtype`. */
export function allocateArray(dtype: DType, length: number): FloatArray {
  return dtype === "float32" ? new Float32Array(length) : new Float64Array(length);
}

/** The dtype a typed array stores. */
export function dtypeOf(array: FloatArray): DType {
  return array instanceof Float32Array ? "float32" : "float64";
}

/** Whether `value` is one of the dtypes a tensor can have. */
export function isDType(value: unknown): value is DType {
  return value === "float32" || value === "float64";
}
