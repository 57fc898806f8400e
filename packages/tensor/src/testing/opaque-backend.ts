import type { Backend, Storage } from "../backend.js";
import { TensorError } from "../errors.js";
import { createJsBackend } from "../js-backend.js";

const NAME = "opaque";

/** A storage whose elements the caller cannot see: `data` throws, as on a device backend. */
class OpaqueStorage implements Storage {
  readonly dtype;
  readonly length: number;
  readonly #inner: Storage;
  readonly #owner: Backend;

  constructor(inner: Storage, owner: Backend) {
    this.dtype = inner.dtype;
    this.length = inner.length;
    this.#inner = inner;
    this.#owner = owner;
  }

  get data(): never {
    throw new TensorError(
      `tensor.data: backend ${NAME} keeps its elements off the CPU; use read() / write()`,
    );
  }

  /** The JS storage behind `storage`, which must come from `owner`. */
  static unwrap(storage: Storage, owner: Backend): Storage {
    if (!(storage instanceof OpaqueStorage) || storage.#owner !== owner) {
      throw new TensorError(`${NAME} backend: a storage is not from this backend`);
    }
    return storage.#inner;
  }
}

/**
 * A backend whose memory is not a CPU typed array, for tests: the JS backend underneath, but its
 * storages expose no elements (`storage.data` and `tensor.data` throw), so everything that runs on
 * it moves elements only through `read` / `write` and computes only through the primitives, as it
 * must on a device backend (WebGPU). Results are bitwise the JS backend's.
 */
export function createOpaqueBackend(): Backend {
  const js = createJsBackend();
  const backend: Backend = {
    name: NAME,
    allocate: (dtype, length) => new OpaqueStorage(js.allocate(dtype, length), backend),
    read: (storage, offset, out) => js.read(unwrap(storage), offset, out),
    write: (storage, offset, values) => js.write(unwrap(storage), offset, values),
    gemm: (transposeA, transposeB, m, n, k, alpha, a, b, beta, c) =>
      js.gemm(transposeA, transposeB, m, n, k, alpha, unwrap(a), unwrap(b), beta, unwrap(c)),
    reduce: (kind, axis, m, n, x, beta, out) => js.reduce(kind, axis, m, n, unwrap(x), beta, unwrap(out)),
    gatherRows: (source, n, rows, out) => js.gatherRows(unwrap(source), n, rows, unwrap(out)),
    elementwise: (program, m, n, inputs, scalars, outputs, sums) =>
      js.elementwise(program, m, n, inputs.map(unwrap), scalars, outputs.map(unwrap), sums),
  };
  const unwrap = (storage: Storage): Storage => OpaqueStorage.unwrap(storage, backend);
  return backend;
}
