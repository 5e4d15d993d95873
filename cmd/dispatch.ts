// dispatch: shared entry logic for `weft` and `weftctl`: finds cmd/<tool>/<sub>.ts, runs its
// `run(argv)` and exits with the code it returns (runSubcommand; cmd/weft-proxy.ts runs `weft proxy` with
// it alone). Unknown subcommands print usage and exit 2.
// Subcommand files carry the extension this file runs under: `.ts` from source, `.js` from the
// compiled `dist/` (npm run build).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Subcommand } from "../pkg/cli/index.ts";

const EXT = import.meta.url.endsWith(".js") ? ".js" : ".ts";

export async function dispatch(tool: string, dir: string, argv: readonly string[]): Promise<never> {
  const names = readdirSync(dir).filter((f) => f.endsWith(EXT)).map((f) => f.slice(0, -EXT.length)).sort();
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h" || !names.includes(sub)) {
    const lines = await Promise.all(names.map(async (n) => {
      const mod = (await import(join(dir, `${n}${EXT}`))) as { default: Subcommand };
      return `  ${n.padEnd(14)} ${mod.default.summary}`;
    }));
    const out = sub === undefined || sub.startsWith("-") || sub === "help" ? process.stdout : process.stderr;
    if (sub !== undefined && !["help", "--help", "-h"].includes(sub)) out.write(`${tool}: unknown command "${sub}"\n`);
    out.write(`usage: ${tool} <command> [flags]\n\ncommands:\n${lines.join("\n")}\n`);
    process.exit(sub === undefined || ["help", "--help", "-h"].includes(sub) ? 0 : 2);
  }
  const mod = (await import(join(dir, `${sub}${EXT}`))) as { default: Subcommand };
  return runSubcommand(`${tool} ${sub}`, mod.default, rest);
}

/** Runs one subcommand and sets the exit code it returns (1, with its message, when it throws). */
export async function runSubcommand(name: string, command: Subcommand, argv: readonly string[]): Promise<never> {
  try {
    process.exitCode = await command.run(argv);
  } catch (e) {
    process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
  return undefined as never;
}
