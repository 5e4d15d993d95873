// local: `weft local` (what `npm start` runs) — the whole mesh on this machine, no cluster, no root:
// the controller with the file provider, the demo apps of examples/apps as processes, a sidecar per
// Pod and the gateway proxy, all on loopback (pkg/local; flags in pkg/local/options.ts, docs/local-mode.md).
// Exit 0 after Ctrl-C/SIGTERM stopped everything, 1 when something could not start, 2 on a bad flag.
// Must not: leave child processes behind.
import { fileURLToPath } from "node:url";
import { readOptions, type Subcommand } from "../../pkg/cli/index.ts";
import { LOCAL_FLAGS, LOCAL_USAGE, localOptionsFrom, runLocal } from "../../pkg/local/index.ts";
import { untilSignal } from "../signals.ts";

/** The children run this same binary (`weft controller`, `weft proxy`), from source or from dist/. */
const WEFT_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith(".js") ? "../weft.js" : "../weft.ts", import.meta.url));

async function run(argv: readonly string[]): Promise<number> {
  const env = process.env;
  const o = readOptions("weft local", LOCAL_USAGE, argv, LOCAL_FLAGS, (line) => localOptionsFrom(line.flags, env), { env });
  if (typeof o === "number") return o;
  const code = await runLocal({ ...o, weftEntry: WEFT_ENTRY }, untilSignal());
  // Everything we started is stopped; do not let a stray handle keep the process up.
  setTimeout(() => process.exit(code), 1000).unref();
  return code;
}

const command: Subcommand = { summary: "run the whole mesh locally on loopback (controller, proxies, demo apps)", run };
export default command;
