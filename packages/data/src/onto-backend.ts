import { allocateArray, type Backend, selectRows, type Tensor, zeros } from "@backprop/tensor";

/**
 * Moving a dataset's tensors onto the backend it trains on without a whole-size copy in between: the
 * elements pass through a small buffer, read from the source's backend and written to the target's.
 * (A large dataset's extra copy costs more in fresh memory than in copying: every new page is
 * touched once.)
 */

/** Elements per read/write pair when copying a tensor: a buffer that stays in cache. */
const COPY_CHUNK = 1 << 14;

/** `t` on `backend`: t itself when it is there, else a copy moved through a COPY_CHUNK-element buffer. */
export function copyOnto(t: Tensor, backend: Backend): Tensor {
  if (t.backend === backend) return t;
  const out = zeros(t.shape, { dtype: t.dtype, backend });
  const buffer = allocateArray(t.dtype, Math.min(COPY_CHUNK, t.size));
  for (let at = 0; at < t.size; at += COPY_CHUNK) {
    const part = at + COPY_CHUNK <= t.size ? buffer : buffer.subarray(0, t.size - at);
    t.backend.read(t.storage, at, part);
    out.write(part, at);
  }
  return out;
}

/**
 * out[r, :] = a[rows[r], :] for a of shape [n, c], as a new tensor on `backend`: one `selectRows` on
 * a's own backend; onto another, row by row through a one-row buffer. Indices are the caller's to check.
 */
export function selectRowsOnto(a: Tensor, rows: Int32Array, backend: Backend): Tensor {
  if (a.backend === backend) return selectRows(a, rows);
  const c = a.shape[1]!;
  const out = zeros([rows.length, c], { dtype: a.dtype, backend });
  const row = allocateArray(a.dtype, c);
  for (let r = 0; r < rows.length; r++) {
    a.backend.read(a.storage, rows[r]! * c, row);
    out.write(row, r * c);
  }
  return out;
}
