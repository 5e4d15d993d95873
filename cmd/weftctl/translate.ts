// weftctl translate: offline translate. `weftctl translate -f <file|dir> [-f …] [-o yaml|json]`
// reads manifests (a directory: its *.yaml, *.yml, *.json files, not recursive, sorted by name),
// prints `{ statuses, ir, diagnostics }` exactly as the golden corpus stores it, and writes parse
// errors/warnings to stderr with file:line:column. Exit 1 on parse or read errors, 2 on bad flags.
// Must not: print key material (see cmd/lib/translate-output.ts).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subcommand } from "../../pkg/cli/index.ts";
import { formatIssue, PARSE_LIMITS } from "../../pkg/api/index.ts";
import { renderOutput, runTranslate } from "../lib/translate-output.ts";
import type { ManifestInput } from "../lib/translate-output.ts";

const USAGE = "usage: weftctl translate -f <file|dir> [-f <file|dir> …] [-o yaml|json]\n";

function parseFlags(argv: readonly string[]): { files: string[]; format: "yaml" | "json" } | string {
  const files: string[] = [];
  let format: "yaml" | "json" = "yaml";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === "-f" || flag === "--filename") {
      const v = value();
      if (v === undefined || v === "") return "-f needs a file or directory";
      files.push(v);
    } else if (flag === "-o" || flag === "--output") {
      const v = value();
      if (v !== "yaml" && v !== "json") return `-o must be yaml or json, got ${JSON.stringify(v ?? "")}`;
      format = v;
    } else if (flag === "-h" || flag === "--help") {
      return "";
    } else {
      return `unknown argument ${JSON.stringify(a)}`;
    }
  }
  if (files.length === 0) return "at least one -f is required";
  return { files, format };
}

export function readInputs(paths: readonly string[]): { inputs: ManifestInput[]; problems: string[] } {
  const inputs: ManifestInput[] = [];
  const problems: string[] = [];
  const readOne = (file: string): void => {
    const size = statSync(file).size;
    if (size > PARSE_LIMITS.maxInputBytes) problems.push(`${file}: ${size} bytes, at most ${PARSE_LIMITS.maxInputBytes} allowed`);
    else inputs.push({ source: file, text: readFileSync(file, "utf8") });
  };
  for (const p of paths) {
    try {
      if (statSync(p).isDirectory()) {
        for (const name of readdirSync(p).filter((n) => /\.(ya?ml|json)$/.test(n)).sort()) readOne(join(p, name));
      } else {
        readOne(p);
      }
    } catch (e) {
      problems.push(`${p}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { inputs, problems };
}

const translateCommand: Subcommand = {
  summary: "translate manifests offline: print statuses, IR and diagnostics",
  async run(argv) {
    const flags = parseFlags(argv);
    if (typeof flags === "string") {
      process.stderr.write(flags === "" ? USAGE : `weftctl translate: ${flags}\n${USAGE}`);
      return flags === "" ? 0 : 2;
    }
    const { inputs, problems } = readInputs(flags.files);
    for (const p of problems) process.stderr.write(`error: ${p}\n`);
    const run = runTranslate(inputs);
    for (const e of run.errors) process.stderr.write(`error: ${formatIssue(e)}\n`);
    for (const w of run.warnings) process.stderr.write(`warning: ${formatIssue(w)}\n`);
    process.stdout.write(renderOutput(run, flags.format));
    return problems.length > 0 || run.errors.length > 0 ? 1 : 0;
  },
};

export default translateCommand;
