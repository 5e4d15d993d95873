// weftctl-command: the command-line handling every weftctl inspection command shares: parse flags,
// answer --help, refuse unexpected arguments and bad -o values with the command's usage (exit 2).
// Takes the command name, its usage text, argv and flag table; gives the parsed flags, the output
// format and a `usage(message)` for later checks — or the exit code when the command must stop here.
// Must not: print anything but usage text and usage errors.
import { flagValue, outputFormat, parseFlags, type FlagSpec, type OutputFormat, type ParsedFlags } from "./weftctl-output.ts";

export interface CommandLine {
  readonly flags: ParsedFlags;
  readonly format: OutputFormat;
  /** Prints "weftctl <command>: <message>" and the usage on stderr; returns exit code 2. */
  readonly usage: (message: string) => number;
}

export function readCommandLine(command: string, usageText: string, argv: readonly string[], specs: readonly FlagSpec[], opts: { readonly positionals?: boolean } = {}): CommandLine | number {
  const usage = (message: string): number => {
    process.stderr.write(`weftctl ${command}: ${message}\n${usageText}`);
    return 2;
  };
  const flags = parseFlags(argv, specs);
  if (typeof flags === "string") return usage(flags);
  if (flags.help) {
    process.stdout.write(usageText);
    return 0;
  }
  if (opts.positionals !== true && flags.positionals.length > 0) return usage(`unexpected argument ${JSON.stringify(flags.positionals[0])}`);
  const format = outputFormat(flags);
  if (format !== "table" && format !== "yaml" && format !== "json") return usage(format);
  return { flags, format, usage };
}

/** Reads --timeout-ms (default 5000, 1..600000); a usage error string when invalid. */
export function timeoutMsFlag(flags: ParsedFlags): number | string {
  const timeout = Number(flagValue(flags, "--timeout-ms") ?? "5000");
  return Number.isInteger(timeout) && timeout > 0 && timeout <= 600_000 ? timeout : "--timeout-ms must be a positive integer (ms)";
}
