import { type Layer, mlp, summary } from "@backprop/layers";
import { tensor } from "@backprop/tensor";

const model = mlp({ sizes: [2, 4, 1], activation: "tanh", dtype: "float64", seed: 1 });
const asLayer: Layer = model;
const y = asLayer.forward(tensor([[0, 1]], { dtype: "float64" }));
export const consumerLayersSummary: string = summary(model, [2]) + y.shape.join(",");
