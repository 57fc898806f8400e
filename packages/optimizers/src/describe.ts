/** `float32[2,3]` for a parameter or a saved entry; a malformed saved entry is shown as JSON. */
export function describe(p: unknown): string {
  const entry = p as { shape?: unknown; dtype?: unknown } | null;
  if (
    entry === null ||
    typeof entry !== "object" ||
    !Array.isArray(entry.shape) ||
    typeof entry.dtype !== "string"
  ) {
    return JSON.stringify(p)?.slice(0, 80) ?? String(p);
  }
  return `${entry.dtype}[${entry.shape.join(",")}]`;
}
