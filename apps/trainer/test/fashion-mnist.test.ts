import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FASHION_MNIST_DIR } from "@backprop/data/node";
import { describe, expect, it } from "vitest";
import { parseTrainConfig } from "../src/config.js";
import { runTraining } from "../src/run.js";

/** Runs only where Debian's dataset-fashion-mnist package is installed (apt-get install dataset-fashion-mnist). */
describe.skipIf(!existsSync(FASHION_MNIST_DIR))("Fashion-MNIST smoke test", () => {
  it("trains on a 2,000-image subset to well above chance", async () => {
    const outDir = await mkdtemp(join(tmpdir(), "backprop-fashion-"));
    try {
      const config = parseTrainConfig(
        {
          dataset: "fashion-mnist",
          limit: 2000,
          hidden: [128],
          epochs: 3,
          batchSize: 64,
          outDir,
          name: "smoke",
        },
        "test",
      );
      const result = await runTraining(config);
      expect(result.status).toBe("completed");
      expect(result.data).toMatch(
        /^fashion-mnist: 2,000 train \/ 2,000 validation \/ 2,000 test, 784 features, 10 classes$/,
      );
      expect(result.test!.accuracy).toBeGreaterThan(0.7);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
