import { formatShape, ShapeError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { checkRank, overlaps, prepareOut } from "./check.js";

/**
 * out[r, :] = a[rows[r], :] for a of shape [n, c] and out of shape [rows.length, c] (torch's
 * `index_select(a, 0, rows)`), on a's backend in one `Backend.gatherRows` call: the batch gather of
 * a shuffled dataset. Rows may repeat and come in any order; out must not share memory with a.
 */
export function selectRows(a: Tensor, rows: Int32Array, out?: Tensor): Tensor {
  checkRank("selectRows", "a", a, 2);
  const c = a.shape[1]!;
  const result = prepareOut("selectRows", out, [rows.length, c], a);
  if (overlaps(result, a)) {
    throw new ShapeError(`selectRows: out ${formatShape(result.shape)} shares memory with the source`);
  }
  a.backend.gatherRows(a.storage, c, rows, result.storage);
  return result;
}
