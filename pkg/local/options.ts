// options: `weft local`'s flags and what they default to. Takes argv-parsed flags (pkg/cli, env
// fallbacks WEFT_LOCAL_BASE_PORT, WEFT_LOCAL_GATEWAY_PORT, WEFT_LOCAL_CA_DIR) and the machine's
// facts; gives LocalOptions, or a UsageError naming the bad flag.
// Must not: start anything.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { UsageError, type FlagTable, type FlagValues } from "../cli/index.ts";
import { LOCAL_PORT_SPAN, type LocalOptions } from "./plan.ts";

export const LOCAL_USAGE = `usage: weft local [--dir examples/local] [--base-port 17000] [--gateway-port 8080] [--ca-dir D] [--verbose]
  --dir D           manifest directory (Gateway API + Services/EndpointSlices/Pods with loopback IPs)
  --base-port N     first of 160 loopback ports for the controller, apps, admin endpoints and gateway listeners (env WEFT_LOCAL_BASE_PORT)
  --gateway-port N  where the Gateway's first listener is served (env WEFT_LOCAL_GATEWAY_PORT)
  --ca-dir D        where the mesh CA is kept across runs (env WEFT_LOCAL_CA_DIR; default ~/.local/state/weft/local-ca)
  --verbose         copy every process's log lines to stderr (they always go to the logs directory)`;

export const LOCAL_FLAGS = {
  dir: { type: "string" },
  "base-port": { type: "string", env: "WEFT_LOCAL_BASE_PORT" },
  "gateway-port": { type: "string", env: "WEFT_LOCAL_GATEWAY_PORT" },
  "ca-dir": { type: "string", env: "WEFT_LOCAL_CA_DIR" },
  verbose: { type: "boolean" },
} as const satisfies FlagTable;

/** The embedded example `npm start` serves. */
export const EXAMPLE_DIR = join(import.meta.dirname, "../../examples/local");

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

function portOf(name: string, v: string | undefined, dflt: number, span: number): number {
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1024 || n + span > 65535) throw new UsageError(`--${name}: "${v}" is not a port in 1024..${65535 - span}`);
  return n;
}

export function localOptionsFrom(f: FlagValues<typeof LOCAL_FLAGS>, env: Readonly<Record<string, string | undefined>>): LocalOptions {
  return {
    dir: resolve(f.dir ?? EXAMPLE_DIR),
    basePort: portOf("base-port", f["base-port"], 17000, LOCAL_PORT_SPAN),
    gatewayPort: portOf("gateway-port", f["gateway-port"], 8080, 0),
    caDir: resolve(f["ca-dir"] ?? defaultLocalCaDir(env)),
    privilegedBelow: privilegedPortsBelow(),
    verbose: f.verbose === true,
  };
}
