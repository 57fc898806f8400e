export {
  type ActivationFunction,
  elu,
  gelu,
  geluTanh,
  identity,
  leakyRelu,
  relu,
  sigmoid,
  silu,
  softplus,
  tanh,
} from "./activation-functions.js";
export {
  ACTIVATION_NAMES,
  type ActivationName,
  type ActivationSpec,
  activation,
  ELU,
  ElementwiseActivation,
  GELU,
  Identity,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from "./activations.js";
export {
  ARCHITECTURE_FORMAT,
  ARCHITECTURE_VERSION,
  type Architecture,
  architectureOf,
  type BuildOptions,
  DEFAULT_MAX_PARAMETERS,
  modelFromArchitecture,
} from "./architecture.js";
export { Buffers } from "./buffers.js";
export { Dense, type DenseOptions } from "./dense.js";
export { Dropout, type DropoutOptions } from "./dropout.js";
export {
  LayerError,
  SafetensorsError,
  type SafetensorsErrorCode,
  type SafetensorsErrorDetails,
} from "./errors.js";
export {
  calculateGain,
  computeFans,
  constantInit,
  type Fans,
  glorotNormal,
  glorotUniform,
  type HeOptions,
  heNormal,
  heUniform,
  type Initializer,
  type InitializerLike,
  type InitializerName,
  initializer,
  lecunNormal,
  lecunUniform,
  linearDefaultBias,
  linearDefaultWeight,
  type Nonlinearity,
  normalInit,
  uniformInit,
  zerosInit,
} from "./init.js";
export {
  accumulateParameterGradients,
  BaseLayer,
  type JsonValue,
  type Layer,
  type LayerConfig,
  type Module,
} from "./layer.js";
export { type MlpOptions, mlp } from "./mlp.js";
export {
  type BuildContext,
  createLayerRegistry,
  type LayerFactory,
  LayerRegistry,
  MAX_LAYER_NESTING,
} from "./registry.js";
export {
  type DecodeSafetensorsOptions,
  decodeSafetensors,
  type EncodeSafetensorsOptions,
  encodeSafetensors,
  SAFETENSORS_MAX_HEADER_LENGTH,
  type SafetensorsContents,
} from "./safetensors.js";
export { Sequential } from "./sequential.js";
export {
  encodeWeights,
  type LoadModelOptions,
  loadModelFromBytes,
  loadWeights,
  type SavedModel,
  saveModelToBytes,
} from "./serialize.js";
export { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from "./softmax-functions.js";
export { summary } from "./summary.js";
