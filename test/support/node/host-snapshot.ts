// host-snapshot: what a real node may change on the host outside its own directory, recorded before
// it starts so teardown can put it back. The kubelet writes kernel-wide sysctls (vm.overcommit_memory,
// vm.panic_on_oom, kernel.panic, kernel.panic_on_oops, kernel.keys.root_max*) and files at fixed host
// paths (/var/lib/kubelet/device-plugins, /var/log/containers, shim sockets under /run/containerd…).
// Takes nothing; gives takeHostSnapshot() and restoreHost(snapshot) → the sysctls it put back and the
// paths it removed, and hostChanges(snapshot) → what still differs.
// Must not: remove anything that existed before the snapshot, or write a sysctl that did not change.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Kernel-wide (not per network namespace) settings a kubelet or kube-proxy writes. */
const SYSCTLS = [
  "vm/overcommit_memory",
  "vm/panic_on_oom",
  "kernel/panic",
  "kernel/panic_on_oops",
  "kernel/keys/root_maxkeys",
  "kernel/keys/root_maxbytes",
  "net/netfilter/nf_conntrack_max",
  "net/ipv4/ip_forward",
  "net/ipv4/conf/all/route_localnet",
  "net/bridge/bridge-nf-call-iptables",
  "net/bridge/bridge-nf-call-ip6tables",
  "fs/inotify/max_user_watches",
  "fs/inotify/max_user_instances",
];

/** Host directories the node's programs write into at fixed paths. */
const WATCHED = [
  "/var/lib/kubelet",
  "/var/log/containers",
  "/var/log/pods",
  "/var/lib/cni",
  "/run/containerd",
  "/etc/cni",
  "/opt/cni",
  "/opt/containerd",
  "/var/lib/containerd",
];

export interface HostSnapshot {
  readonly sysctls: Readonly<Record<string, string>>;
  /** Every path under the watched directories (depth ≤ 4); a missing directory is absent. */
  readonly paths: readonly string[];
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(join("/proc/sys", name), "utf8").trim();
  } catch {
    return undefined;
  }
}

function walk(dir: string, depth: number, out: string[]): void {
  if (!existsSync(dir)) return;
  out.push(dir);
  if (depth === 0) return;
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() && !e.isSymbolicLink()) walk(p, depth - 1, out);
    else out.push(p);
  }
}

function listPaths(): string[] {
  const out: string[] = [];
  for (const d of WATCHED) walk(d, 4, out);
  return out;
}

export function takeHostSnapshot(): HostSnapshot {
  const sysctls: Record<string, string> = {};
  for (const s of SYSCTLS) {
    const v = readSysctl(s);
    if (v !== undefined) sysctls[s] = v;
  }
  return { sysctls, paths: listPaths() };
}

/** What differs from the snapshot: "sysctl k: a -> b" and "new path p" lines. */
export function hostChanges(snap: HostSnapshot): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(snap.sysctls)) {
    const now = readSysctl(k);
    if (now !== v) out.push(`sysctl ${k.replaceAll("/", ".")}: ${v} -> ${now ?? "unreadable"}`);
  }
  const before = new Set(snap.paths);
  for (const p of listPaths()) if (!before.has(p)) out.push(`new path ${p}`);
  return out;
}

/** Writes back changed sysctls and removes paths that appeared (outermost first); gives what it did. */
export function restoreHost(snap: HostSnapshot): string[] {
  const done: string[] = [];
  for (const [k, v] of Object.entries(snap.sysctls)) {
    const now = readSysctl(k);
    if (now === v) continue;
    try {
      writeFileSync(join("/proc/sys", k), v);
      done.push(`restored sysctl ${k.replaceAll("/", ".")} = ${v} (was ${now ?? "?"})`);
    } catch (e) {
      done.push(`could not restore sysctl ${k}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const before = new Set(snap.paths);
  const removed: string[] = [];
  for (const p of listPaths()) {
    if (before.has(p) || removed.some((r) => p.startsWith(`${r}/`))) continue;
    rmSync(p, { recursive: true, force: true });
    removed.push(p);
    done.push(`removed ${p}`);
  }
  return done;
}
