// cluster-pod-netns: real network namespaces for test Pods (root only). One Linux bridge per
// runner with a random free 10.250.X.0/24 (checked against the host's routes), one netns + veth
// pair per Pod (eth0 inside, default route via the bridge), and the Pod's command started inside
// with `ip netns exec`. The host reaches Pod IPs through the bridge; nothing is routed elsewhere.
// Takes nothing; gives createPodNetwork() → { allocate, attach, detach, destroy }.
// Must not: reuse names of other namespaces/links (random per-runner prefix), or leave netns,
// links or processes behind after destroy().
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync, closeSync } from "node:fs";
import { requireTier } from "./tiers.ts";

export interface PodNetwork {
  readonly subnet: string;
  allocate(): string;
  /** Creates the netns for a pod and starts `command` in it (if given); gives the netns name. */
  attach(key: string, ip: string, command: readonly string[] | undefined, env: Readonly<Record<string, string>>, logFile?: string): string;
  detach(key: string): void;
  destroy(): void;
}

export const podNetnsSkipReason: string | undefined =
  process.getuid?.() !== 0 ? "needs root for network namespaces"
  : spawnSync("ip", ["-V"]).status !== 0 ? "the ip command (iproute2) is missing" : undefined;
export const podNetnsTier = requireTier("netns", podNetnsSkipReason);

function ip(args: readonly string[], allowFail = false): void {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
}

function freeSubnet(): string {
  const routes = spawnSync("ip", ["-4", "route", "show", "table", "all"], { encoding: "utf8" }).stdout;
  for (let i = 0; i < 50; i++) {
    const b = randomBytes(1)[0]!;
    if (!routes.includes(`10.250.${b}.`)) return `10.250.${b}`;
  }
  throw new Error("no free 10.250.X.0/24 subnet");
}

export function createPodNetwork(): PodNetwork {
  const tag = randomBytes(2).toString("hex");
  const bridge = `wbr${tag}`;
  const subnet = freeSubnet();
  ip(["link", "add", "name", bridge, "type", "bridge"]);
  ip(["addr", "add", `${subnet}.1/24`, "dev", bridge]);
  ip(["link", "set", bridge, "up"]);
  let next = 2;
  let n = 0;
  const pods = new Map<string, { ns: string; proc?: ChildProcess }>();
  const exitKill = (): void => {
    for (const p of pods.values()) p.proc?.kill("SIGKILL");
  };
  process.once("exit", exitKill);

  return {
    subnet: `${subnet}.0/24`,
    allocate(): string {
      if (next > 254) throw new Error("pod subnet exhausted");
      return `${subnet}.${next++}`;
    },
    attach(key, podIp, command, env, logFile): string {
      const existing = pods.get(key);
      if (existing !== undefined) return existing.ns;
      const i = n++;
      const ns = `wpod-${tag}-${i}`;
      const host = `wv${tag}${i}`;
      ip(["netns", "add", ns]);
      pods.set(key, { ns });
      ip(["link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns]);
      ip(["link", "set", host, "master", bridge, "up"]);
      ip(["-n", ns, "addr", "add", `${podIp}/24`, "dev", "eth0"]);
      ip(["-n", ns, "link", "set", "eth0", "up"]);
      ip(["-n", ns, "link", "set", "lo", "up"]);
      ip(["-n", ns, "route", "add", "default", "via", `${subnet}.1`]);
      if (command !== undefined && command.length > 0) {
        const fd = logFile === undefined ? "ignore" : openSync(logFile, "a");
        const proc = spawn("ip", ["netns", "exec", ns, ...command], { stdio: ["ignore", fd, fd], env: { PATH: process.env["PATH"] ?? "", ...env } });
        if (typeof fd === "number") closeSync(fd);
        pods.set(key, { ns, proc });
      }
      return ns;
    },
    detach(key): void {
      const p = pods.get(key);
      if (p === undefined) return;
      pods.delete(key);
      p.proc?.kill("SIGKILL");
      ip(["netns", "del", p.ns], true);
    },
    destroy(): void {
      for (const key of [...pods.keys()]) this.detach(key);
      ip(["link", "del", bridge], true);
      process.removeListener("exit", exitKill);
    },
  };
}
