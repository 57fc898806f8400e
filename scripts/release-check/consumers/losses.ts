import { CrossEntropyLoss, type Loss, MSELoss } from "@backprop/losses";
import { tensor } from "@backprop/tensor";

const mse: Loss = new MSELoss({ reduction: "half-sum" });
const ce = new CrossEntropyLoss();
export const consumerLossValue: number =
  mse.forward(tensor([[1, 2]]), tensor([[0, 0]])) + ce.forward(tensor([[1, 2]]), [1]);
