import type { Storage } from "./backend.js";
import { DTypeError, ShapeError, TensorError } from "./errors.js";

/**
 * Checks the operands of `Backend.gatherRows` (every backend calls it before it copies): n a
 * non-negative integer, one dtype, two storages, source a whole number of n-element rows, out at
 * least rows.length·n long, every index a row of source. Throws naming the first bad one.
 */
export function checkGatherRows(source: Storage, n: number, rows: Int32Array, out: Storage): void {
  if (!Number.isInteger(n) || n < 0) throw new ShapeError(`gatherRows: n must be an integer ≥ 0, got ${n}`);
  if (source.dtype !== out.dtype)
    throw new DTypeError(`gatherRows: dtypes differ: source ${source.dtype}, out ${out.dtype}`);
  if (source === out) throw new TensorError("gatherRows: out must not be the source");
  const sourceRows = n === 0 ? 0 : source.length / n;
  if (!Number.isInteger(sourceRows))
    throw new ShapeError(`gatherRows: source holds ${source.length} elements, not whole rows of ${n}`);
  if (out.length < rows.length * n) {
    throw new ShapeError(
      `gatherRows: out holds ${out.length} elements, ${rows.length} rows of ${n} need ${rows.length * n}`,
    );
  }
  if (n === 0) return;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row < 0 || row >= sourceRows) {
      throw new ShapeError(`gatherRows: rows[${r}] = ${row} is outside the source's rows [0, ${sourceRows})`);
    }
  }
}
