/** Base class of every error @backprop/optimizers throws, so callers can catch the package's errors alone. */
export class OptimizerError extends Error {
  override name = "OptimizerError";
}

/** A hyperparameter out of range, e.g. `adam: betas[1] must be in [0, 1), got 1`. */
export class HyperparameterError extends OptimizerError {
  override name = "HyperparameterError";
}

/** A saved state that does not fit the optimizer it is loaded into (names, shapes, dtypes, structure). */
export class StateDictError extends OptimizerError {
  override name = "StateDictError";
}
