// command-line: the flags weftctl's inspection commands (explain, status, check, proxy-config) share,
// in pkg/cli's flag tables: -o/--output table|yaml|json and --timeout-ms, with their checks.
// Takes flag values; gives typed values or a UsageError naming the flag.
// Must not: print.
import { UsageError } from "../cli/index.ts";

export type OutputFormat = "table" | "yaml" | "json";

export const OUTPUT_FLAG = { type: "string", short: "o" } as const;
export const TIMEOUT_FLAG = { type: "string" } as const;

/** -o/--output: table (default), yaml or json; a UsageError otherwise. */
export function outputFormat(v: string | undefined): OutputFormat {
  const f = v ?? "table";
  if (f === "table" || f === "yaml" || f === "json") return f;
  throw new UsageError(`-o must be table, yaml or json, got ${JSON.stringify(f)}`);
}

/** --timeout-ms (default 5000, 1..600000); a UsageError otherwise. */
export function timeoutMs(v: string | undefined): number {
  const timeout = Number(v ?? "5000");
  if (Number.isInteger(timeout) && timeout > 0 && timeout <= 600_000) return timeout;
  throw new UsageError("--timeout-ms must be a positive integer (ms)");
}
