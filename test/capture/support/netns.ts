// netns: helpers for capture tests that build "pods" as network namespaces joined by veth pairs.
// Everything created here carries the run's unique prefix and is removed by `cleanup()`; traffic
// only flows inside these namespaces. Requires root, `ip` and `iptables`.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { requireTier } from "../../support/tiers.ts";

export const NODE = process.execPath;

export function captureToolsMissing(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (network namespaces and iptables need root)";
  for (const bin of ["ip", "iptables"]) {
    try {
      execFileSync(bin, ["--version"], { stdio: "ignore", timeout: 5_000 });
    } catch {
      try {
        execFileSync(bin, ["-V"], { stdio: "ignore", timeout: 5_000 });
      } catch {
        return `${bin} missing (scripts/setup-test-deps.sh installs iproute2 and iptables)`;
      }
    }
  }
  return undefined;
}

/** The "netns" tier gate (root, ip, iptables) for capture tests. */
export const netnsTier = requireTier("netns", captureToolsMissing());

export function sh(bin: string, args: readonly string[]): string {
  return execFileSync(bin, args, { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });
}

export function inNs(ns: string, bin: string, args: readonly string[]): string {
  return sh("ip", ["netns", "exec", ns, bin, ...args]);
}

/** Run a one-shot Node script in `ns` and parse the JSON line it prints. */
export function nodeInNs<T>(ns: string, script: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile("ip", ["netns", "exec", ns, NODE, script, ...args], { encoding: "utf8", timeout: 20_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`client in ${ns} failed: ${err?.message ?? ""} ${stderr}`));
      }
    });
  });
}

export interface Daemon {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first line that satisfies `pred` (already seen or future); rejects after 20 s. */
  waitFor(pred: (line: string) => boolean): Promise<string>;
  stop(): Promise<void>;
}

/** A long-running Node script in `ns`; it must exit when its stdin closes. */
export function daemonInNs(ns: string, script: string, args: readonly string[]): Daemon {
  const child = spawn("ip", ["netns", "exec", ns, NODE, script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const onLine = (line: string): void => {
    lines.push(line);
    for (const w of [...waiters])
      if (w.pred(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
  };
  createInterface({ input: child.stdout }).on("line", onLine);
  createInterface({ input: child.stderr }).on("line", (l) => onLine(`stderr: ${l}`));
  return {
    child,
    lines,
    waitFor(pred) {
      const seen = lines.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (l: string) => {
          clearTimeout(t);
          resolve(l);
        } };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timeout waiting in ${script}; output:\n${lines.join("\n")}`));
        }, 20_000);
        waiters.push(w);
        child.once("exit", () => {
          clearTimeout(t);
          reject(new Error(`${script} exited; output:\n${lines.join("\n")}`));
        });
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => {
          child.kill("SIGKILL");
        }, 3_000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        child.stdin?.end();
      });
    },
  };
}

export interface PodPair {
  readonly pod: string;
  readonly peer: string;
  cleanup(): void;
}

/**
 * Two namespaces joined by a veth pair: `pod` (eth0 10.244.1.2/24 + fd00:244::2/64, routes to the
 * Service ranges 10.96.0.0/12 and fd00:96::/112 via the peer) and `peer` (eth0 10.244.1.1/24 +
 * fd00:244::1/64, the ClusterIPs on its loopback so they exist only here).
 */
export function createPodPair(prefix: string, clusterIps: readonly string[]): PodPair {
  const pod = `${prefix}p`;
  const peer = `${prefix}u`;
  const cleanup = (): void => {
    for (const ns of [pod, peer]) {
      try {
        sh("ip", ["netns", "del", ns]);
      } catch { /* already gone */ }
    }
  };
  try {
    sh("ip", ["netns", "add", pod]);
    sh("ip", ["netns", "add", peer]);
    sh("ip", ["link", "add", "eth0", "netns", pod, "type", "veth", "peer", "name", "eth0", "netns", peer]);
    for (const [ns, addr] of [[pod, "10.244.1.2/24"], [peer, "10.244.1.1/24"]] as const) {
      inNs(ns, "ip", ["link", "set", "lo", "up"]);
      inNs(ns, "ip", ["addr", "add", addr, "dev", "eth0"]);
      inNs(ns, "ip", ["link", "set", "eth0", "up"]);
    }
    inNs(pod, "ip", ["-6", "addr", "add", "fd00:244::2/64", "dev", "eth0", "nodad"]);
    inNs(peer, "ip", ["-6", "addr", "add", "fd00:244::1/64", "dev", "eth0", "nodad"]);
    inNs(pod, "ip", ["route", "add", "10.96.0.0/12", "via", "10.244.1.1"]);
    inNs(pod, "ip", ["-6", "route", "add", "fd00:96::/112", "via", "fd00:244::1"]);
    for (const ip of clusterIps) inNs(peer, "ip", ["addr", "add", ip.includes(":") ? `${ip}/128` : `${ip}/32`, "dev", "lo"]);
  } catch (e) {
    cleanup();
    throw e;
  }
  return { pod, peer, cleanup };
}
