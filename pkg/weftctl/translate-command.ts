// weftctl translate: offline translate. `weftctl translate -f <file|dir> [-f …] [-o yaml|json]`
// reads manifests (inputs.ts), prints `{ statuses, ir, diagnostics }` exactly as the golden corpus
// stores it (translate-run.ts), and writes parse errors/warnings to stderr with file:line:column.
// Exit 1 on parse or read errors, 2 on bad flags.
// Must not: print key material (see translate-run.ts).
import { formatIssue } from "../api/index.ts";
import { readOptions, UsageError, type FlagTable, type Subcommand } from "../cli/index.ts";
import { readInputs } from "./inputs.ts";
import { renderOutput, runTranslate } from "./translate-run.ts";

const USAGE = "usage: weftctl translate -f <file|dir> [-f <file|dir> …] [-o yaml|json]\n";

const FLAGS = {
  filename: { type: "list", short: "f" },
  output: { type: "string", short: "o" },
} as const satisfies FlagTable;

export const translateCommand: Subcommand = {
  summary: "translate manifests offline: print statuses, IR and diagnostics",
  async run(argv) {
    const flags = readOptions("weftctl translate", USAGE, argv, FLAGS, ({ flags: f }) => {
      const format = f.output ?? "yaml";
      if (format !== "yaml" && format !== "json") throw new UsageError(`-o must be yaml or json, got ${JSON.stringify(format)}`);
      const machine: "yaml" | "json" = format;
      if (f.filename.some((v) => v === "")) throw new UsageError("-f needs a file or directory");
      if (f.filename.length === 0) throw new UsageError("at least one -f is required");
      return { files: f.filename, format: machine };
    });
    if (typeof flags === "number") return flags;
    const { inputs, problems } = readInputs(flags.files);
    for (const p of problems) process.stderr.write(`error: ${p}\n`);
    const run = runTranslate(inputs);
    for (const e of run.errors) process.stderr.write(`error: ${formatIssue(e)}\n`);
    for (const w of run.warnings) process.stderr.write(`warning: ${formatIssue(w)}\n`);
    process.stdout.write(renderOutput(run, flags.format));
    return problems.length > 0 || run.errors.length > 0 ? 1 : 0;
  },
};
