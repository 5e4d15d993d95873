// index: the public surface of pkg/cli — the one flag parser and the subcommand shape of `weft` and `weftctl`.
export { booleanValue, parseCommandLine, UsageError } from "./flags.ts";
export type { BooleanFlag, CommandLine, FlagSpec, FlagTable, FlagValues, ListFlag, ParseOptions, StringFlag } from "./flags.ts";
export { readCommandLine, readOptions, usageError, USAGE_EXIT } from "./command.ts";
export type { ReadCommandLine, Subcommand } from "./command.ts";
