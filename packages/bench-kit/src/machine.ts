import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

/** One line naming the machine, runtime and date, for the head of every benchmark table. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  return `${new Date().toISOString().slice(0, 10)} · ${cpus().length} vCPU ${cpu} · ${gib} GiB · Node ${process.version} (V8 ${process.versions.v8})`;
}

function totalCpuSeconds(): number | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
  } catch {
    return null;
  }
}

/**
 * Starts measuring the CPU other processes use ("foreign load", in cores): all busy CPU time from
 * /proc/stat minus this process's own, over the wall time until the returned function is called.
 * Null where /proc/stat is missing.
 */
function foreignLoadMeter(): () => number | null {
  const busy0 = totalCpuSeconds();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const busy1 = totalCpuSeconds();
    const ownUsage = process.cpuUsage(own0);
    if (busy0 === null || busy1 === null || wall <= 0) return null;
    const own = (ownUsage.user + ownUsage.system) / 1e6;
    return Math.max(0, (busy1 - busy0 - own) / wall);
  };
}

/** The foreign load (see `foreignLoadMeter`) while `work` ran. */
export function withForeignLoad<T>(work: () => T): { result: T; foreignCores: number | null } {
  const stop = foreignLoadMeter();
  const result = work();
  return { result, foreignCores: stop() };
}

/** The foreign load while the asynchronous `work` ran, until its promise settled. */
export async function withForeignLoadAsync<T>(
  work: () => Promise<T>,
): Promise<{ result: T; foreignCores: number | null }> {
  const stop = foreignLoadMeter();
  const result = await work();
  return { result, foreignCores: stop() };
}
