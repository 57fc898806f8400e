/** Formatting shared by the progress bar, the epoch summary lines and the CLI's human output. */

/** `1:05` / `1:02:03` / `12s` for a duration in seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** A metric value for humans: 4 significant decimals, exponent form for very small or large numbers. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(2);
  return value.toFixed(4);
}

/** `loss 0.2345  accuracy 0.9312` from a record of named numbers (non-numbers are left out). */
export function formatLogs(
  logs: Readonly<Record<string, unknown>>,
  keys: readonly string[] = Object.keys(logs),
): string {
  return keys
    .filter((key) => typeof logs[key] === "number")
    .map((key) => `${key} ${formatValue(logs[key] as number)}`)
    .join("  ");
}

/** `12,345` */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** `1 thread` / `2 threads` */
export function formatThreads(threads: number): string {
  return `${threads} thread${threads === 1 ? "" : "s"}`;
}

/** Per-class precision, recall, F1 and support as an aligned text table (scikit-learn's classification_report). */
export function formatClassTable(
  classes: readonly { name: string; precision: number; recall: number; f1: number; support: number }[],
): string {
  const width = Math.max(5, ...classes.map((c) => c.name.length));
  const header = `${"class".padEnd(width)}  precision  recall  f1      support`;
  const rows = classes.map(
    (c) =>
      `${c.name.padEnd(width)}  ${c.precision.toFixed(4).padEnd(9)}  ${c.recall.toFixed(4)}  ${c.f1.toFixed(4)}  ${c.support}`,
  );
  return [header, ...rows].join("\n");
}

/** A copy of `logs` with keys renamed by `labels` (others kept), in the same order. */
export function relabel<T extends Readonly<Record<string, unknown>>>(
  logs: T,
  labels: Readonly<Record<string, string>>,
): Record<string, T[keyof T]> {
  return Object.fromEntries(
    Object.entries(logs).map(([key, value]) => [labels[key] ?? key, value]),
  ) as Record<string, T[keyof T]>;
}
