// inputs: reads manifest paths the way every offline weftctl command does: a file as is, a directory's
// *.yaml, *.yml and *.json files (not recursive, sorted by name). Takes paths; gives the texts with
// their source names, and problems (unreadable, or larger than the parser takes) for the caller to print.
// Must not: print, or read a file larger than PARSE_LIMITS.maxInputBytes.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { PARSE_LIMITS } from "../api/index.ts";
import type { ManifestInput } from "./translate-run.ts";

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
