/**
 * One epoch's record: `epoch` (1-based), `step` (optimizer steps so far), the training loss and
 * metrics (`loss`, `accuracy`, …, means over the epoch's batches), their validation twins
 * (`val_loss`, `val_accuracy`, …), the learning rate `lr`, the epoch's wall time in seconds and its
 * throughput.
 */
export interface EpochLogs {
  epoch: number;
  step: number;
  [key: string]: number;
}
