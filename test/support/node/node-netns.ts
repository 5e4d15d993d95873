// node-netns: the real node's network namespace: no uplink, no default route, nothing shared with
// the host's network. Inside: lo; a veth pair whose both ends stay in the namespace — one up with the
// node IP as /32, its peer down, so whatever is routed there is dropped (this kernel has no dummy
// link driver); a route for the Service CIDR via that link (locally sent ClusterIP traffic needs a
// route before kube-proxy's OUTPUT DNAT); IP forwarding and bridge netfilter on (kube-proxy needs both).
// The CNI bridge plugin adds cni0 and the pods' veths later.
// Takes a NodeLayout; gives createNodeNetns / deleteNodeNetns / netnsExists.
// Must not: touch any link, route or sysctl of the host's namespace.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { NODE_IP, SERVICE_CIDR, type NodeLayout } from "./node-layout.ts";

function run(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${(r.stderr || r.error?.message || "").trim()}`);
}

/** Runs a command inside the namespace without a private mount namespace (nsenter, not `ip netns exec`). */
export function inNetns(l: NodeLayout, cmd: string, args: readonly string[]): void {
  run("nsenter", [`--net=${l.netnsPath}`, "--", cmd, ...args]);
}

export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

export function createNodeNetns(l: NodeLayout): void {
  run("ip", ["netns", "add", l.netns]);
  try {
    const ip = (...a: string[]): void => run("ip", ["-n", l.netns, ...a]);
    ip("link", "set", "lo", "up");
    ip("link", "add", l.link, "type", "veth", "peer", "name", l.peer);
    ip("addr", "add", `${NODE_IP}/32`, "dev", l.link);
    ip("link", "set", l.link, "up");
    ip("route", "add", SERVICE_CIDR, "dev", l.link, "src", NODE_IP);
    inNetns(l, "sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
    if (existsSync("/proc/sys/net/bridge")) inNetns(l, "sysctl", ["-q", "-w", "net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1"]);
  } catch (e) {
    deleteNodeNetns(l.netns);
    throw e;
  }
}

/** Removes the namespace (its links, routes and iptables rules go with it). Absent is fine. */
export function deleteNodeNetns(name: string): void {
  if (netnsExists(name)) run("ip", ["netns", "del", name]);
}
