// flags: the one flag parser of every `weft` and `weftctl` subcommand, typed by its flag table.
// Takes argv, a table (flag name → string | list | boolean, a short alias, an env variable to fall
// back on) and whether positionals are allowed; gives typed values (string | undefined, readonly
// string[], boolean | undefined), the positionals and whether help was asked — or throws a UsageError
// naming the flag. Grammar: `--name value`, `--name=value`, `-x value`; a boolean is `--name` or
// `--name=true|false`; `--` ends the flags; `-h`/`--help` asks for help. A separate value may not start
// with "--" (so `--config --mode` says --config needs a value). A flag given twice is an error unless
// it is a list. An env fallback applies only when the flag is absent and the variable is not empty.
// Must not: print, exit, or read anything but argv and the env it is given.

interface FlagCommon {
  /** One-letter alias without the dash: "f" for -f. */
  readonly short?: string;
  /** Variable read when the flag is absent (an empty value counts as absent). */
  readonly env?: string;
}
export interface StringFlag extends FlagCommon {
  readonly type: "string";
}
/** A flag that may be given several times; its values in order. */
export interface ListFlag extends FlagCommon {
  readonly type: "list";
}
export interface BooleanFlag extends FlagCommon {
  readonly type: "boolean";
}
export type FlagSpec = StringFlag | ListFlag | BooleanFlag;
export type FlagTable = Readonly<Record<string, FlagSpec>>;

export type FlagValues<T extends FlagTable> = {
  readonly [K in keyof T]: T[K] extends BooleanFlag ? boolean | undefined : T[K] extends ListFlag ? readonly string[] : string | undefined;
};

export interface CommandLine<T extends FlagTable> {
  readonly flags: FlagValues<T>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

export interface ParseOptions {
  /** Positional arguments are allowed (otherwise the first one is a usage error). */
  readonly positionals?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A mistake on the command line: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** "true" | "false" (also "1" | "0") as a boolean; a UsageError naming `what` otherwise. */
export function booleanValue(what: string, v: string): boolean {
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new UsageError(`${what}: use true or false`);
}

export function parseCommandLine<T extends FlagTable>(argv: readonly string[], table: T, opts: ParseOptions = {}): CommandLine<T> {
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(table)) if (spec.short !== undefined) byShort.set(spec.short, name);
  const values = new Map<string, string[] | string | boolean>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const eq = arg.indexOf("=");
    const written = long && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = long && eq > 0 ? arg.slice(eq + 1) : undefined;
    const name = long ? written.slice(2) : byShort.get(written.slice(1));
    const spec = name === undefined || !Object.hasOwn(table, name) ? undefined : table[name];
    if (name === undefined || spec === undefined) throw new UsageError(`unknown flag ${written}`);
    if (spec.type === "boolean") {
      if (values.has(name)) throw new UsageError(`--${name} given twice`);
      values.set(name, inline === undefined ? true : booleanValue(arg, inline));
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`flag ${written} needs a value`);
      value = next;
      i++;
    }
    const prior = values.get(name);
    if (spec.type === "list") values.set(name, [...(Array.isArray(prior) ? prior : []), value]);
    else if (prior !== undefined) throw new UsageError(`--${name} given twice`);
    else values.set(name, value);
  }
  if (opts.positionals !== true && positionals.length > 0 && !help) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const flags: Record<string, readonly string[] | string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(table)) {
    let v = values.get(name);
    const fromEnv = spec.env === undefined ? undefined : opts.env?.[spec.env];
    if (v === undefined && fromEnv !== undefined && fromEnv !== "") {
      v = spec.type === "boolean" ? booleanValue(spec.env!, fromEnv) : spec.type === "list" ? [fromEnv] : fromEnv;
    }
    flags[name] = v ?? (spec.type === "list" ? [] : undefined);
  }
  return { flags: flags as FlagValues<T>, positionals, help };
}
