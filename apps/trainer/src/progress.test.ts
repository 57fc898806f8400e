import { describe, expect, it } from "vitest";
import { ProgressBar } from "./progress.js";

function recorder(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, columns: 200, write: (t: string) => chunks.push(t) }, chunks };
}

describe("ProgressBar", () => {
  it("redraws one line in place on a terminal, with rate and ETA, then prints the summary", () => {
    const { stream, chunks } = recorder(true);
    let now = 0;
    const bar = new ProgressBar({ stream, now: () => now });
    bar.start("epoch 1/2", 4);
    now = 1000;
    bar.update({ batches: 1, samples: 100, logs: { loss: 0.5 } });
    now = 1050; // within redrawMs: skipped
    bar.update({ batches: 2, samples: 200, logs: { loss: 0.4 } });
    bar.end("epoch 1/2  loss 0.4000");
    expect(chunks).toEqual([
      "\r\x1b[2Kepoch 1/2  [======>.................]  1/4  loss 0.5000  100 samples/s  ETA 3.0s",
      "\r\x1b[2K",
      "epoch 1/2  loss 0.4000\n",
    ]);
  });

  it("prints plain lines every plainMs elsewhere, and never a carriage return", () => {
    const { stream, chunks } = recorder(false);
    let now = 0;
    const bar = new ProgressBar({ stream, now: () => now, plainMs: 5000 });
    bar.start("epoch 1/1", 10);
    for (let b = 1; b <= 10; b++) {
      now = b * 1000;
      bar.update({ batches: b, samples: b * 10, logs: {} });
    }
    bar.end("done");
    expect(chunks).toEqual(["epoch 1/1  50%  5/10  10 samples/s  ETA 5.0s\n", "done\n"]);
  });

  it("at 80 columns shortens from the left: samples/s and ETA stay whole (they were cut mid-number)", () => {
    const chunks: string[] = [];
    const stream = { isTTY: true, columns: 80, write: (t: string) => chunks.push(t) };
    let now = 0;
    const bar = new ProgressBar({ stream, now: () => now });
    bar.start("epoch 12/100", 1250);
    now = 2000;
    const logs = { loss: 0.123456, accuracy: 0.912345, top3_accuracy: 0.99 };
    bar.update({ batches: 500, samples: 64_000, logs });
    const line = chunks[0]!.replace("\r\x1b[2K", "");
    expect(line.length).toBeLessThanOrEqual(79);
    expect(line).toMatch(/^… /);
    expect(line.endsWith("32,000 samples/s  ETA 3.0s")).toBe(true);
    expect(line).toContain("top3_accuracy 0.9900");
  });
});
