// init-options: `weft init`'s flags (pkg/cli parser), each falling back on the WEFT_* variable the
// injector sets (`--exclude-inbound-ports` ⇒ WEFT_EXCLUDE_INBOUND_PORTS); flags win over env.
// Takes argv and env; gives the capture config and the run mode, or a UsageError naming the flag.
// Must not: validate the config's meaning (validateCaptureConfig does), or touch the system.
import { parseCommandLine, UsageError, type FlagTable, type FlagValues } from "../pkg/cli/index.ts";
import { DEFAULT_CAPTURE_CONFIG, type CaptureConfig } from "./capture-rules.ts";

/** The env var the injector sets for a flag: `--exclude-inbound-ports` ⇒ WEFT_EXCLUDE_INBOUND_PORTS. */
export function envNameFor(flag: string): string {
  return `WEFT_${flag.toUpperCase().replace(/-/g, "_")}`;
}

const value = (flag: string) => ({ type: "string", env: envNameFor(flag) }) as const;
const bool = (flag: string) => ({ type: "boolean", env: envNameFor(flag) }) as const;

export const INIT_FLAGS = {
  "proxy-uid": value("proxy-uid"),
  "proxy-gid": value("proxy-gid"),
  "outbound-port": value("outbound-port"),
  "inbound-port": value("inbound-port"),
  "admin-port": value("admin-port"),
  "exclude-outbound-ports": value("exclude-outbound-ports"),
  "exclude-inbound-ports": value("exclude-inbound-ports"),
  "include-inbound-ports": value("include-inbound-ports"),
  "exclude-outbound-cidrs": value("exclude-outbound-cidrs"),
  "include-outbound-cidrs": value("include-outbound-cidrs"),
  ipv6: bool("ipv6"),
  "dry-run": bool("dry-run"),
  cleanup: bool("cleanup"),
} as const satisfies FlagTable;

export const INIT_USAGE = `usage: weft init [--proxy-uid N] [--proxy-gid N] [--outbound-port N] [--inbound-port N] [--admin-port N]
  [--exclude-outbound-ports a,b] [--exclude-inbound-ports a,b] [--include-inbound-ports a,b|*]
  [--exclude-outbound-cidrs c,d] [--include-outbound-cidrs c,d|*] [--ipv6[=true|false]] [--dry-run] [--cleanup]
  (every flag also reads WEFT_<FLAG> from the environment, e.g. WEFT_EXCLUDE_INBOUND_PORTS)`;

export interface InitOptions {
  readonly config: CaptureConfig;
  readonly dryRun: boolean;
  readonly cleanup: boolean;
  /** True when --ipv6 / WEFT_IPV6 was given; otherwise IPv6 rules follow the kernel. */
  readonly ipv6Explicit: boolean;
}

export function parseInitOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): InitOptions {
  return initOptionsFrom(parseCommandLine(argv, INIT_FLAGS, { env }).flags);
}

export function initOptionsFrom(f: FlagValues<typeof INIT_FLAGS>): InitOptions {
  const int = (name: keyof typeof INIT_FLAGS): number | undefined => {
    const v = f[name];
    if (typeof v !== "string") return undefined;
    if (!/^\d+$/.test(v.trim())) throw new UsageError(`--${name}: "${v}" is not a non-negative integer`);
    return Number(v.trim());
  };
  const list = (name: keyof typeof INIT_FLAGS): string[] | undefined => {
    const v = f[name];
    return typeof v !== "string" ? undefined : v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  };
  const ports = (name: keyof typeof INIT_FLAGS): number[] | undefined =>
    list(name)?.map((p) => {
      if (!/^\d+$/.test(p)) throw new UsageError(`--${name}: "${p}" is not a port`);
      return Number(p);
    });
  const d = DEFAULT_CAPTURE_CONFIG;
  const includeIn = f["include-inbound-ports"]?.trim() === "*" ? "*" : ports("include-inbound-ports") ?? d.includeInboundPorts;
  const includeOut = f["include-outbound-cidrs"]?.trim() === "*" ? "*" : list("include-outbound-cidrs") ?? d.includeOutboundCidrs;
  const proxyGid = int("proxy-gid");
  const adminPort = int("admin-port") ?? d.adminPort;
  const config: CaptureConfig = {
    proxyUid: int("proxy-uid") ?? d.proxyUid,
    ...(proxyGid === undefined ? {} : { proxyGid }),
    outboundPort: int("outbound-port") ?? d.outboundPort,
    inboundPort: int("inbound-port") ?? d.inboundPort,
    ...(adminPort === undefined ? {} : { adminPort }),
    excludeOutboundPorts: ports("exclude-outbound-ports") ?? d.excludeOutboundPorts,
    excludeInboundPorts: ports("exclude-inbound-ports") ?? d.excludeInboundPorts,
    includeInboundPorts: includeIn,
    excludeOutboundCidrs: list("exclude-outbound-cidrs") ?? d.excludeOutboundCidrs,
    includeOutboundCidrs: includeOut,
    ipv6: f.ipv6 ?? d.ipv6 ?? true,
  };
  return { config, dryRun: f["dry-run"] === true, cleanup: f.cleanup === true, ipv6Explicit: f.ipv6 !== undefined };
}
