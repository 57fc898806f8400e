import { spiral, splitDataset } from "@backprop/data";
import { mlp } from "@backprop/layers";
import { CrossEntropyLoss } from "@backprop/losses";
import { adam, Optimizer } from "@backprop/optimizers";
import { EarlyStopping, Trainer } from "@backprop/trainer";

const { train, validation } = splitDataset(spiral({ samplesPerClass: 20 }), { validation: 0.2 });
const model = mlp({ sizes: [2, 8, 3], seed: 1 });
const trainer = new Trainer({
  model,
  loss: new CrossEntropyLoss(),
  optimizer: new Optimizer(adam({ lr: 0.01 }), model.parameters()),
  metrics: ["accuracy"],
});
export const consumerFit: Promise<unknown> = trainer.fit(train, {
  epochs: 1,
  batchSize: 8,
  validation,
  callbacks: [new EarlyStopping({ patience: 2 })],
});
