// init: `weft init` — the pod's init step. Reads the capture config from flags (or WEFT_* env set by
// the injector), builds the nat rules with injector/capture-rules.ts and applies them with the
// `iptables`/`ip6tables` binaries present (nf_tables or legacy backend, whichever they are).
// Prints every command it ran or skipped; `--dry-run` only prints; `--cleanup` removes the capture.
// Exits 0 on success, 1 with the failing command and its stderr, 2 on a bad flag.
// Must not: touch chains other than WEFT_* and the two jumps into them.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import {
  DEFAULT_CAPTURE_CONFIG, buildCaptureRules, buildCleanupCommands, checkCommandFor, isEnsureCommand,
  validateCaptureConfig, type CaptureConfig,
} from "../../injector/capture-rules.ts";

type FlagKind = "int" | "ports" | "cidrs" | "bool";
const FLAGS: Readonly<Record<string, FlagKind>> = {
  "proxy-uid": "int", "proxy-gid": "int", "outbound-port": "int", "inbound-port": "int", "admin-port": "int",
  "exclude-outbound-ports": "ports", "exclude-inbound-ports": "ports", "include-inbound-ports": "ports",
  "exclude-outbound-cidrs": "cidrs", "include-outbound-cidrs": "cidrs", "ipv6": "bool", "dry-run": "bool", "cleanup": "bool",
};

/** The env var the injector sets for a flag: `--exclude-inbound-ports` ⇒ WEFT_EXCLUDE_INBOUND_PORTS. */
export function envNameFor(flag: string): string {
  return `WEFT_${flag.toUpperCase().replace(/-/g, "_")}`;
}

export interface InitOptions {
  readonly config: CaptureConfig;
  readonly dryRun: boolean;
  readonly cleanup: boolean;
  /** True when --ipv6 / WEFT_IPV6 was given; otherwise IPv6 rules follow the kernel (see ipv6Available). */
  readonly ipv6Explicit: boolean;
}

/** Flags win over env; unknown flags and malformed values are errors (thrown as messages). */
export function parseInitOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): InitOptions {
  const raw = new Map<string, string>();
  for (const flag of Object.keys(FLAGS)) {
    const v = env[envNameFor(flag)];
    if (v !== undefined && v !== "") raw.set(flag, v);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument "${arg}"`);
    const name = m[1] ?? "";
    const kind = FLAGS[name];
    if (kind === undefined) throw new Error(`unknown flag --${name}`);
    if (m[2] !== undefined) raw.set(name, m[2]);
    else if (kind === "bool") raw.set(name, "true");
    else {
      const next = argv[++i];
      if (next === undefined) throw new Error(`flag --${name} needs a value`);
      raw.set(name, next);
    }
  }
  const int = (name: string, dflt: number | undefined): number | undefined => {
    const v = raw.get(name);
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v.trim())) throw new Error(`--${name}: "${v}" is not a non-negative integer`);
    return Number(v.trim());
  };
  const list = (name: string): string[] | undefined => {
    const v = raw.get(name);
    return v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  };
  const ports = (name: string): number[] | undefined => list(name)?.map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`--${name}: "${p}" is not a port`);
    return Number(p);
  });
  const bool = (name: string, dflt: boolean): boolean => {
    const v = raw.get(name);
    if (v === undefined) return dflt;
    if (!["true", "false", "1", "0"].includes(v)) throw new Error(`--${name}: "${v}" is not true/false`);
    return v === "true" || v === "1";
  };
  const d = DEFAULT_CAPTURE_CONFIG;
  const includeIn = raw.get("include-inbound-ports")?.trim() === "*" ? "*" : ports("include-inbound-ports") ?? d.includeInboundPorts;
  const includeOut = raw.get("include-outbound-cidrs")?.trim() === "*" ? "*" : list("include-outbound-cidrs") ?? d.includeOutboundCidrs;
  const proxyGid = int("proxy-gid", undefined);
  const adminPort = int("admin-port", d.adminPort);
  const config: CaptureConfig = {
    proxyUid: int("proxy-uid", d.proxyUid) ?? d.proxyUid,
    ...(proxyGid === undefined ? {} : { proxyGid }),
    outboundPort: int("outbound-port", d.outboundPort) ?? d.outboundPort,
    inboundPort: int("inbound-port", d.inboundPort) ?? d.inboundPort,
    ...(adminPort === undefined ? {} : { adminPort }),
    excludeOutboundPorts: ports("exclude-outbound-ports") ?? d.excludeOutboundPorts,
    excludeInboundPorts: ports("exclude-inbound-ports") ?? d.excludeInboundPorts,
    includeInboundPorts: includeIn,
    excludeOutboundCidrs: list("exclude-outbound-cidrs") ?? d.excludeOutboundCidrs,
    includeOutboundCidrs: includeOut,
    ipv6: bool("ipv6", d.ipv6 ?? true),
  };
  return { config, dryRun: bool("dry-run", false), cleanup: bool("cleanup", false), ipv6Explicit: raw.has("ipv6") };
}

interface RunResult { readonly status: number; readonly stderr: string }

function exec(bin: string, args: readonly string[]): RunResult {
  const r = spawnSync(bin, ["-w", "5", ...args], { encoding: "utf8", timeout: 15_000 });
  if (r.error) return { status: 127, stderr: r.error.message };
  return { status: r.status ?? 1, stderr: (r.stderr ?? "").trim() };
}

function backendOf(bin: string): string | undefined {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 5_000 });
  if (r.error || r.status !== 0) return undefined;
  return (r.stdout ?? "").trim();
}

function apply(bin: string, commands: readonly string[][], out: (line: string) => void, tolerant: boolean): boolean {
  for (const argv of commands) {
    const line = `${bin} ${argv.join(" ")}`;
    if (isEnsureCommand(argv) && !tolerant && exec(bin, checkCommandFor(argv)).status === 0) {
      out(`skip  ${line} (already present)`);
      continue;
    }
    const r = exec(bin, argv);
    if (r.status !== 0 && !tolerant) {
      process.stderr.write(`weft init: "${line}" failed (exit ${r.status}): ${r.stderr || "no message"}\n`);
      return false;
    }
    out(`${r.status === 0 ? "ok   " : "absent"} ${line}`);
  }
  return true;
}

/** The kernel has IPv6 in this namespace: /proc/net/if_inet6 exists and IPv6 is not disabled. */
function ipv6Available(): boolean {
  try {
    if (!existsSync("/proc/net/if_inet6")) return false;
    return readFileSync("/proc/sys/net/ipv6/conf/all/disable_ipv6", "utf8").trim() !== "1";
  } catch {
    return false;
  }
}

async function run(argv: readonly string[]): Promise<number> {
  let opts: InitOptions;
  try {
    opts = parseInitOptions(argv, process.env);
  } catch (e) {
    process.stderr.write(`weft init: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const problems = validateCaptureConfig(opts.config);
  if (problems.length > 0) {
    process.stderr.write(`weft init: invalid capture config:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
    return 2;
  }
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  if (!opts.ipv6Explicit && opts.config.ipv6 !== false && !opts.dryRun && !ipv6Available()) {
    out("# IPv6 is not available in this network namespace: ip6tables rules skipped (force with --ipv6=true)");
    opts = { ...opts, config: { ...opts.config, ipv6: false } };
  }
  const plan: [string, string[][]][] = opts.cleanup
    ? [["iptables", buildCleanupCommands()], ...(opts.config.ipv6 === false ? [] : [["ip6tables", buildCleanupCommands()] as [string, string[][]]])]
    : (() => { const r = buildCaptureRules(opts.config); return [["iptables", r.iptables], ["ip6tables", r.ip6tables]] as [string, string[][]][]; })();
  if (opts.dryRun) {
    for (const [bin, cmds] of plan) for (const c of cmds) out(`${bin} ${c.join(" ")}`);
    return 0;
  }
  for (const [bin, cmds] of plan) {
    if (cmds.length === 0) continue;
    const version = backendOf(bin);
    if (version === undefined) {
      process.stderr.write(`weft init: ${bin} not found or not runnable (install the iptables package${bin === "ip6tables" ? ", or pass --ipv6=false" : ""})\n`);
      return 1;
    }
    out(`# ${bin}: ${version}`);
    if (!apply(bin, cmds, out, opts.cleanup)) return 1;
  }
  const c = opts.config;
  out(opts.cleanup ? "weft init: capture removed" : `weft init: capture installed (outbound → :${c.outboundPort}, inbound → :${c.inboundPort}, proxy uid ${c.proxyUid})`);
  return 0;
}

export default { summary: "install the pod's traffic capture rules (iptables/nftables) for the sidecar", run };
