import { type DType, matmul, Rng, randomNormal, type Tensor, tensor, zeros } from "@backprop/tensor";

const dtype: DType = "float64";
const a: Tensor = tensor(
  [
    [1, 2],
    [3, 4],
  ],
  { dtype },
);
const w: Tensor = randomNormal([3, 2], new Rng(0), { dtype });
const y: Tensor = matmul(a, w, { transposeB: true, out: zeros([2, 3], { dtype }) });
export const consumerTensorShape: readonly number[] = y.shape;
