/** max_j |a_j − e_j| / max_j |e_j|: the error relative to the scale of the expected values (0 when equal). */
export function normwiseError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let j = 0; j < expected.length; j++) {
    diff = Math.max(diff, Math.abs(actual[j]! - expected[j]!));
    scale = Math.max(scale, Math.abs(expected[j]!));
  }
  return diff === 0 ? 0 : diff / scale;
}
