// capture-rules: the pure builder of the pod's nat rules that send the app's TCP traffic through the
// sidecar (outbound → outboundPort via REDIRECT, inbound → inboundPort via REDIRECT).
// Takes: a CaptureConfig (ports, proxy uid/gid, exclusions). Gives: argv lists for `iptables` and
// `ip6tables` (without the binary name), in the order `weft init` applies them.
// Idempotence: own chains are created (ensure), flushed, then refilled; the two jumps from the
// built-in PREROUTING/OUTPUT chains are ensure-appends. `isEnsureCommand`/`checkCommandFor` say
// which commands a runner must first check for (`-L`/`-C`) and skip when already present.
// Must not: run anything, read the environment, or depend on the machine.
import { WeftError } from "../pkg/errors/weft-error.ts";

export interface CaptureConfig {
  /** The sidecar's uid: its own connections are never captured (no loops). */
  readonly proxyUid: number;
  /** Optional gid matched the same way as the uid. */
  readonly proxyGid?: number;
  readonly outboundPort: number;
  readonly inboundPort: number;
  /** The sidecar's admin/health port: never captured inbound. */
  readonly adminPort?: number;
  readonly excludeOutboundPorts: readonly number[];
  readonly excludeInboundPorts: readonly number[];
  /** "*" = capture every inbound port (except exclusions); a list = only those; [] = no inbound capture. */
  readonly includeInboundPorts: "*" | readonly number[];
  readonly excludeOutboundCidrs: readonly string[];
  /** "*" = capture every outbound destination; a list = only those CIDRs; [] = no outbound capture. */
  readonly includeOutboundCidrs: "*" | readonly string[];
  /** Also build ip6tables rules (default true). */
  readonly ipv6?: boolean;
}

export interface CaptureRules {
  readonly iptables: string[][];
  readonly ip6tables: string[][];
}

export const CAPTURE_CHAINS = ["WEFT_INBOUND", "WEFT_IN_REDIRECT", "WEFT_OUTPUT", "WEFT_REDIRECT"] as const;

export const DEFAULT_CAPTURE_CONFIG: CaptureConfig = {
  proxyUid: 1337,
  outboundPort: 15001,
  inboundPort: 15006,
  adminPort: 15000,
  excludeOutboundPorts: [],
  excludeInboundPorts: [],
  includeInboundPorts: "*",
  excludeOutboundCidrs: [],
  includeOutboundCidrs: "*",
  ipv6: true,
};

const isPort = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;

/** "a.b.c.d[/n]" or an IPv6 address with optional "/n"; returns the family or undefined if malformed. */
export function cidrFamily(cidr: string): 4 | 6 | undefined {
  const [addr = "", bits, extra] = cidr.split("/");
  if (extra !== undefined) return undefined;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  const family = v4 ? 4 : isIpv6(addr) ? 6 : undefined;
  if (family === undefined) return undefined;
  if (v4 && v4.slice(1).some((o) => Number(o) > 255)) return undefined;
  if (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))) return undefined;
  return family;
}

function isIpv6(addr: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(addr) || !addr.includes(":")) return false;
  const halves = addr.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === "" ? [] : h.split(":")));
  const last = groups[groups.length - 1] ?? "";
  const v4Tail = last.includes(".") ? 2 : 0;
  if (v4Tail && cidrFamily(last) !== 4) return false;
  const hexGroups = v4Tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = hexGroups.length + v4Tail;
  return halves.length === 2 ? count < 8 : count === 8;
}

/** Every problem with the config, as precise messages; empty when it is usable. */
export function validateCaptureConfig(cfg: CaptureConfig): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(cfg.proxyUid) || cfg.proxyUid < 0) problems.push(`proxyUid must be a non-negative integer, got ${cfg.proxyUid}`);
  if (cfg.proxyGid !== undefined && (!Number.isInteger(cfg.proxyGid) || cfg.proxyGid < 0)) problems.push(`proxyGid must be a non-negative integer, got ${cfg.proxyGid}`);
  for (const [name, p] of [["outboundPort", cfg.outboundPort], ["inboundPort", cfg.inboundPort], ["adminPort", cfg.adminPort]] as const) {
    if (p !== undefined && !isPort(p)) problems.push(`${name} must be a port 1..65535, got ${p}`);
  }
  if (cfg.outboundPort === cfg.inboundPort) problems.push(`outboundPort and inboundPort must differ (both ${cfg.inboundPort})`);
  const lists = [["excludeOutboundPorts", cfg.excludeOutboundPorts], ["excludeInboundPorts", cfg.excludeInboundPorts]] as const;
  for (const [name, ports] of lists) for (const p of ports) if (!isPort(p)) problems.push(`${name}: ${p} is not a port 1..65535`);
  if (cfg.includeInboundPorts !== "*") { for (const p of cfg.includeInboundPorts) if (!isPort(p)) problems.push(`includeInboundPorts: ${p} is not a port 1..65535`); }
  for (const c of cfg.excludeOutboundCidrs) if (cidrFamily(c) === undefined) problems.push(`excludeOutboundCidrs: "${c}" is not an IP or CIDR`);
  if (cfg.includeOutboundCidrs !== "*") { for (const c of cfg.includeOutboundCidrs) if (cidrFamily(c) === undefined) problems.push(`includeOutboundCidrs: "${c}" is not an IP or CIDR`); }
  return problems;
}

/** Build the rules for both families. Throws WEFT_ERR_CONFIG with every problem when cfg is invalid. */
export function buildCaptureRules(cfg: CaptureConfig): CaptureRules {
  const problems = validateCaptureConfig(cfg);
  if (problems.length > 0) throw new WeftError("WEFT_ERR_CONFIG", `invalid capture config: ${problems.join("; ")}`, { problems });
  return { iptables: buildFamily(cfg, 4), ip6tables: cfg.ipv6 === false ? [] : buildFamily(cfg, 6) };
}

function buildFamily(cfg: CaptureConfig, family: 4 | 6): string[][] {
  const nat = (...args: string[]): string[] => ["-t", "nat", ...args];
  const loopback = family === 4 ? "127.0.0.1/32" : "::1/128";
  const ofFamily = (cidrs: readonly string[]): string[] => uniq(cidrs.filter((c) => cidrFamily(c) === family));
  const out: string[][] = [];
  for (const chain of CAPTURE_CHAINS) out.push(nat("-N", chain));
  for (const chain of CAPTURE_CHAINS) out.push(nat("-F", chain));
  out.push(nat("-A", "WEFT_REDIRECT", "-p", "tcp", "-j", "REDIRECT", "--to-ports", String(cfg.outboundPort)));
  out.push(nat("-A", "WEFT_IN_REDIRECT", "-p", "tcp", "-j", "REDIRECT", "--to-ports", String(cfg.inboundPort)));

  // Inbound: the proxy's own ports are never redirected (a client of the admin port or of 15001/15006
  // must reach them as addressed), then exclusions, then capture.
  const ownPorts = [cfg.inboundPort, cfg.outboundPort, ...(cfg.adminPort === undefined ? [] : [cfg.adminPort])];
  for (const port of uniq([...ownPorts, ...cfg.excludeInboundPorts])) {
    out.push(nat("-A", "WEFT_INBOUND", "-p", "tcp", "--dport", String(port), "-j", "RETURN"));
  }
  const inbound = cfg.includeInboundPorts === "*" ? ["*"] : uniq(cfg.includeInboundPorts.map(String));
  for (const port of inbound) {
    out.push(nat("-A", "WEFT_INBOUND", "-p", "tcp", ...(port === "*" ? [] : ["--dport", port]), "-j", "WEFT_IN_REDIRECT"));
  }

  // Outbound. Order matters: the proxy's own traffic to the pod's own address over lo is inbound
  // (hairpin), app traffic over lo stays local, the proxy's traffic is never captured (no loops).
  const owners: string[][] = [["--uid-owner", String(cfg.proxyUid)], ...(cfg.proxyGid === undefined ? [] : [["--gid-owner", String(cfg.proxyGid)]])];
  for (const owner of owners) {
    out.push(nat("-A", "WEFT_OUTPUT", "-o", "lo", "!", "-d", loopback, "-m", "owner", ...owner, "-j", "WEFT_IN_REDIRECT"));
    out.push(nat("-A", "WEFT_OUTPUT", "-o", "lo", "-m", "owner", "!", ...owner, "-j", "RETURN"));
    out.push(nat("-A", "WEFT_OUTPUT", "-m", "owner", ...owner, "-j", "RETURN"));
  }
  out.push(nat("-A", "WEFT_OUTPUT", "-d", loopback, "-j", "RETURN"));
  for (const port of uniq(cfg.excludeOutboundPorts.map(String))) {
    out.push(nat("-A", "WEFT_OUTPUT", "-p", "tcp", "--dport", port, "-j", "RETURN"));
  }
  for (const cidr of ofFamily(cfg.excludeOutboundCidrs)) out.push(nat("-A", "WEFT_OUTPUT", "-d", cidr, "-j", "RETURN"));
  if (cfg.includeOutboundCidrs === "*") out.push(nat("-A", "WEFT_OUTPUT", "-j", "WEFT_REDIRECT"));
  else for (const cidr of ofFamily(cfg.includeOutboundCidrs)) out.push(nat("-A", "WEFT_OUTPUT", "-d", cidr, "-j", "WEFT_REDIRECT"));

  out.push(nat("-A", "PREROUTING", "-p", "tcp", "-j", "WEFT_INBOUND"));
  out.push(nat("-A", "OUTPUT", "-p", "tcp", "-j", "WEFT_OUTPUT"));
  return out;
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** True for commands that must run only when their effect is absent: chain creation and built-in jumps. */
export function isEnsureCommand(argv: readonly string[]): boolean {
  const op = argv[2];
  const chain = argv[3] ?? "";
  return op === "-N" || (op === "-A" && !chain.startsWith("WEFT_"));
}

/** The argv that succeeds (exit 0) exactly when an ensure command's effect is already present. */
export function checkCommandFor(argv: readonly string[]): string[] {
  if (argv[2] === "-N") return [...argv.slice(0, 2), "-S", argv[3] ?? ""];
  return [...argv.slice(0, 2), "-C", ...argv.slice(3)];
}

/** The commands that remove the capture again (jumps first, then flush and delete own chains). */
export function buildCleanupCommands(): string[][] {
  return [
    ["-t", "nat", "-D", "PREROUTING", "-p", "tcp", "-j", "WEFT_INBOUND"],
    ["-t", "nat", "-D", "OUTPUT", "-p", "tcp", "-j", "WEFT_OUTPUT"],
    ...CAPTURE_CHAINS.map((c) => ["-t", "nat", "-F", c]),
    ...CAPTURE_CHAINS.map((c) => ["-t", "nat", "-X", c]),
  ];
}
