// command: what every subcommand of `weft` and `weftctl` is, and how it reads its command line.
// Takes the command's name ("weftctl explain"), usage text, argv and flag table; gives the typed flags
// and positionals with a `usage(message)` for later checks — or the exit code when the command must
// stop here: 0 after printing the usage for -h/--help (stdout), 2 after a usage error (stderr:
// "<name>: <message>" then the usage). readOptions does the same and builds the command's options.
// Must not: print anything but usage text and usage errors.
import { parseCommandLine, UsageError, type CommandLine, type FlagTable, type ParseOptions } from "./flags.ts";

/** A subcommand: cmd/dispatch.ts lists it with its summary and runs it with the arguments after its name. */
export interface Subcommand {
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}

export const USAGE_EXIT = 2;

export interface ReadCommandLine<T extends FlagTable> extends CommandLine<T> {
  /** Prints "<name>: <message>" and the usage on stderr; returns exit code 2. */
  readonly usage: (message: string) => number;
}

/** Prints a usage error the one way every command does; returns exit code 2. */
export function usageError(name: string, usageText: string, message: string): number {
  process.stderr.write(`${name}: ${message}\n${usageText.endsWith("\n") ? usageText : `${usageText}\n`}`);
  return USAGE_EXIT;
}

export function readCommandLine<T extends FlagTable>(name: string, usageText: string, argv: readonly string[], table: T, opts: ParseOptions = {}): ReadCommandLine<T> | number {
  const usage = (message: string): number => usageError(name, usageText, message);
  let line: CommandLine<T>;
  try {
    line = parseCommandLine(argv, table, opts);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  if (line.help) {
    process.stdout.write(usageText.endsWith("\n") ? usageText : `${usageText}\n`);
    return 0;
  }
  return { ...line, usage };
}

/**
 * Reads the command line and builds the command's options from it in one step: a UsageError from
 * `build` is printed like a parse error (exit 2); -h/--help prints the usage (exit 0).
 */
export function readOptions<T extends FlagTable, O extends object>(
  name: string,
  usageText: string,
  argv: readonly string[],
  table: T,
  build: (line: CommandLine<T>) => O,
  opts: ParseOptions = {},
): O | number {
  const line = readCommandLine(name, usageText, argv, table, opts);
  if (typeof line === "number") return line;
  try {
    return build(line);
  } catch (e) {
    if (e instanceof UsageError) return line.usage(e.message);
    throw e;
  }
}
