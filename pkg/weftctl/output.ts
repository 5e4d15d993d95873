// output: the output helpers weftctl's commands share: aligned plain-text tables and `-o yaml|json`
// rendering with sorted keys (equal input ⇒ equal bytes), and short durations.
// Must not: print to the terminal itself (commands decide stdout/stderr), or print key material
// (callers pass redacted data).
import { stringify } from "yaml";

/** A copy with object keys sorted recursively and undefined members dropped (stable machine output). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}

/** Machine output: YAML or JSON with keys sorted. */
export function renderMachine(doc: unknown, format: "yaml" | "json"): string {
  const sorted = sortKeys(doc);
  if (format === "json") return `${JSON.stringify(sorted, null, 2)}\n`;
  return stringify(sorted, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Aligned columns separated by two spaces; the last column is not padded. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], indent = ""): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join("");
}

/** Milliseconds as a short duration: 1500 → "1.5s", 250 → "250ms", 0 → "0s". */
export function formatMs(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}
