/** One implementation under test: `run` does the work once. */
export interface Candidate {
  name: string;
  run: () => void;
}

export interface Timing {
  name: string;
  /** Milliseconds per call, one entry per round. */
  samples: number[];
  median: number;
  best: number;
}

export interface InterleaveOptions {
  /** Rounds; in each round every candidate runs once, in turn, so all see the same machine state. */
  rounds?: number;
  /** Each timed sample repeats the call until at least this long has passed. */
  minSampleMs?: number;
  /** Untimed calls per candidate before the first round (JIT warm-up). */
  warmup?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times candidates round-robin. On a shared VM whose speed drifts by ~2× over minutes, only
 * implementations measured in the same interleaved run can be compared; report median and best.
 */
export function interleave(candidates: Candidate[], options: InterleaveOptions = {}): Timing[] {
  const { rounds = 7, minSampleMs = 30, warmup = 2 } = options;
  for (const c of candidates) for (let i = 0; i < warmup; i++) c.run();
  const samples = candidates.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    candidates.forEach((c, i) => {
      let calls = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        c.run();
        calls++;
        elapsed = performance.now() - start;
      } while (elapsed < minSampleMs);
      samples[i]!.push(elapsed / calls);
    });
  }
  return candidates.map((c, i) => ({
    name: c.name,
    samples: samples[i]!,
    median: median(samples[i]!),
    best: Math.min(...samples[i]!),
  }));
}
