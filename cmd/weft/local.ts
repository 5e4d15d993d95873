// local: `weft local` (what `npm start` runs) — the whole mesh on this machine, no cluster, no root:
// the controller with the file provider, the demo apps of examples/apps as processes, a sidecar per
// Pod and the gateway proxy, all on loopback, with mTLS between proxies and traces. See
// docs/local-mode.md. Flags: --dir (default examples/local), --base-port (default 17000, env
// WEFT_LOCAL_BASE_PORT), --gateway-port (default 8080, env WEFT_LOCAL_GATEWAY_PORT), --ca-dir (default
// $XDG_STATE_HOME/weft/local-ca or ~/.local/state/weft/local-ca, env WEFT_LOCAL_CA_DIR), --verbose.
// Exit 0 after Ctrl-C/SIGTERM stopped everything, 1 when something could not start, 2 on a bad flag.
// Must not: leave child processes behind.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Subcommand } from "../dispatch.ts";
import { runLocal } from "../lib/local-run.ts";
import { LOCAL_PORT_SPAN } from "../lib/local-plan.ts";

/** Where local mode keeps its mesh CA unless told otherwise (XDG state directory). */
export function defaultLocalCaDir(env: Readonly<Record<string, string | undefined>>): string {
  const state = env["XDG_STATE_HOME"] !== undefined && env["XDG_STATE_HOME"] !== "" ? env["XDG_STATE_HOME"] : join(homedir(), ".local", "state");
  return join(state, "weft", "local-ca");
}

/**
 * Ports below this need root here: on Linux, for a non-root user, net.ipv4.ip_unprivileged_port_start
 * (1024 unless changed); elsewhere (macOS since 10.14) and for root, none.
 */
export function privilegedPortsBelow(): number {
  if (process.platform !== "linux" || process.getuid?.() === 0) return 0;
  try {
    const n = Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim());
    return Number.isInteger(n) && n >= 0 ? n : 1024;
  } catch {
    return 1024;
  }
}

const USAGE = `usage: weft local [--dir examples/local] [--base-port 17000] [--gateway-port 8080] [--ca-dir D] [--verbose]
  --dir D           manifest directory (Gateway API + Services/EndpointSlices/Pods with loopback IPs)
  --base-port N     first of 160 loopback ports for the controller, apps, admin endpoints and gateway listeners (env WEFT_LOCAL_BASE_PORT)
  --gateway-port N  where the Gateway's first listener is served (env WEFT_LOCAL_GATEWAY_PORT)
  --ca-dir D        where the mesh CA is kept across runs (env WEFT_LOCAL_CA_DIR; default ~/.local/state/weft/local-ca)
  --verbose         copy every process's log lines to stderr (they always go to the logs directory)`;

function portOf(name: string, v: string | undefined, dflt: number, span: number): number {
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1024 || n + span > 65535) throw new Error(`--${name}: "${v}" is not a port in 1024..${65535 - span}`);
  return n;
}

async function run(argv: readonly string[]): Promise<number> {
  let values: { dir?: string | undefined; "base-port"?: string | undefined; "gateway-port"?: string | undefined; "ca-dir"?: string | undefined; verbose?: boolean | undefined; help?: boolean | undefined };
  let basePort: number;
  let gatewayPort: number;
  try {
    values = parseArgs({
      args: [...argv], strict: true, allowPositionals: false,
      options: { dir: { type: "string" }, "base-port": { type: "string" }, "gateway-port": { type: "string" }, "ca-dir": { type: "string" }, verbose: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }).values;
    basePort = portOf("base-port", values["base-port"] ?? process.env["WEFT_LOCAL_BASE_PORT"], 17000, LOCAL_PORT_SPAN);
    gatewayPort = portOf("gateway-port", values["gateway-port"] ?? process.env["WEFT_LOCAL_GATEWAY_PORT"], 8080, 0);
  } catch (e) {
    process.stderr.write(`weft local: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) { process.stdout.write(`${USAGE}\n`); return 0; }
  const dir = resolve(values.dir ?? join(import.meta.dirname, "../../examples/local"));
  const signal = new Promise<void>((r) => {
    process.once("SIGINT", () => r());
    process.once("SIGTERM", () => r());
  });
  const caDir = resolve(values["ca-dir"] ?? (process.env["WEFT_LOCAL_CA_DIR"] || defaultLocalCaDir(process.env)));
  const code = await runLocal({ dir, basePort, gatewayPort, caDir, privilegedBelow: privilegedPortsBelow(), verbose: values.verbose === true }, signal);
  // Everything we started is stopped; do not let a stray handle keep the process up.
  setTimeout(() => process.exit(code), 1000).unref();
  return code;
}

const command: Subcommand = { summary: "run the whole mesh locally on loopback (controller, proxies, demo apps)", run };
export default command;
