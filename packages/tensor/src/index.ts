export type { Backend, CpuStorage, ReduceKind, Storage } from "./backend.js";
export {
  type CreateOptions,
  fromArray,
  full,
  type NormalOptions,
  ones,
  randomNormal,
  randomUniform,
  tensor,
  type UniformOptions,
  zeros,
  zerosLike,
} from "./create.js";
export {
  type ArrayFor,
  allocateArray,
  DTYPES,
  type DType,
  dtypeOf,
  type FloatArray,
  isDType,
} from "./dtype.js";
export { erf, erfc } from "./erf.js";
export { DTypeError, formatShape, ShapeError, TensorError } from "./errors.js";
export {
  type CompiledEvaluation,
  columnIndex,
  columnVector,
  compile,
  constant,
  type EvaluateSpec,
  Expr,
  evaluate,
  lazy,
  rowIndex,
  rowVector,
} from "./expr.js";
export { checkGatherRows } from "./gather.js";
export { createPackedGemm, type StridedGemm } from "./gemm-js.js";
export { createJsBackend, jsBackend } from "./js-backend.js";
export { checkCompatible, checkRank, checkSameShape, prepareOut } from "./ops/check.js";
export { add, addRowVector, axpy, copy, div, map, map2, mul, scale, sub } from "./ops/elementwise.js";
export { type MatmulOptions, matmul } from "./ops/matmul.js";
export { argmaxRows, dot, max, mean, type NormOrder, norm, reduceAxis, sum, sumAxis0 } from "./ops/reduce.js";
export { selectRows } from "./ops/select-rows.js";
export { type Parameter, parameter, renameParameter, writeGradient, zeroGradient } from "./parameter.js";
export {
  type ElementwiseProgram,
  formatProgram,
  INSTRUCTION_SIZE,
  type InputLayout,
  Op,
  type Opcode,
  type OpName,
} from "./program.js";
export { Rng, type RngState } from "./rng.js";
export { sameShape, sizeOf } from "./shape.js";
export { ArrayStorage } from "./storage.js";
export { type NestedArray, Tensor } from "./tensor.js";
export { type BackendMethod, wrapBackend } from "./wrap-backend.js";
