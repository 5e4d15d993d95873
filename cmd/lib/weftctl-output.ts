// weftctl-output: flag parsing and output helpers shared by weftctl explain/status/proxy-config/check.
// Takes argv and a flag table; gives parsed flags + positionals or a usage error string. Gives aligned
// plain-text tables and `-o yaml|json` rendering with sorted keys (equal input ⇒ equal bytes).
// Must not: print to the terminal itself (commands decide stdout/stderr), or print key material
// (callers pass redacted data).
import { stringify } from "yaml";

export interface FlagSpec {
  /** Canonical name, e.g. "--output"; aliases like "-o" map to it. */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** true: takes a value; false: boolean switch. */
  readonly value: boolean;
  /** May be given several times (values are collected in order). */
  readonly repeat?: boolean;
}

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly switches: ReadonlySet<string>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

/** Parses `--flag value`, `--flag=value`, `-f value`; "--" ends flags. Returns an error string on misuse. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags | string {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-h" || a === "--help") {
      help = true;
      continue;
    }
    if (!a.startsWith("-") || a === "-") {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const spec = byName.get(flag);
    if (spec === undefined) return `unknown flag ${JSON.stringify(a)}`;
    if (!spec.value) {
      if (inline !== undefined) return `${spec.name} takes no value`;
      switches.add(spec.name);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) return `${flag} needs a value`;
    const list = values.get(spec.name) ?? [];
    if (list.length > 0 && spec.repeat !== true) return `${spec.name} given twice`;
    list.push(v);
    values.set(spec.name, list);
  }
  return { values, switches, positionals, help };
}

export function flagValue(f: ParsedFlags, name: string): string | undefined {
  return f.values.get(name)?.[0];
}

export type OutputFormat = "table" | "yaml" | "json";

/** Reads -o/--output: table (default), yaml or json. */
export function outputFormat(f: ParsedFlags): OutputFormat | string {
  const v = flagValue(f, "--output") ?? "table";
  if (v === "table" || v === "yaml" || v === "json") return v;
  return `-o must be table, yaml or json, got ${JSON.stringify(v)}`;
}

export const OUTPUT_FLAG: FlagSpec = { name: "--output", aliases: ["-o"], value: true };

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
  const line = (cells: readonly string[]): string =>
    indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
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
