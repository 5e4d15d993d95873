// capture-apply: applies the pod's capture plan with the `iptables`/`ip6tables` binaries present
// (nf_tables or legacy backend, whichever they are) — what `weft init` does once its options are read.
// Prints every command it ran or skipped; dry-run only prints; cleanup removes the capture.
// Takes InitOptions and a line printer; gives an exit code (0 ok, 1 with the failing command and its
// stderr on stderr, 2 when the config is invalid).
// Must not: touch chains other than WEFT_* and the two jumps into them.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { buildCaptureRules, buildCleanupCommands, checkCommandFor, isEnsureCommand, validateCaptureConfig } from "./capture-rules.ts";
import type { InitOptions } from "./init-options.ts";

interface RunResult {
  readonly status: number;
  readonly stderr: string;
}

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

export function applyCapture(options: InitOptions): number {
  let opts = options;
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
    : (() => {
      const r = buildCaptureRules(opts.config);
      return [["iptables", r.iptables], ["ip6tables", r.ip6tables]] as [string, string[][]][];
    })();
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
