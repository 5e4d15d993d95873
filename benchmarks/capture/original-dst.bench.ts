// original-dst benchmark: cost per accept of recovering a captured connection's original destination,
// side by side: REDIRECT + SO_ORIGINAL_DST through the native addon, REDIRECT + /proc/net/nf_conntrack
// scan (the fallback), and TPROXY + IP_TRANSPARENT (the destination is the socket's local address).
// Builds two namespaces (client, proxy) joined by a veth pair, all removed at the end; needs root, ip,
// iptables. Bounded: COUNT connections per mode or 15 s, whichever first. Prints JSON lines.
import { join } from "node:path";
import { captureToolsMissing, createPodPair, daemonInNs, inNs, nodeInNs } from "../../test/capture/support/netns.ts";

const COUNT = Number(process.env.BENCH_COUNT ?? "2000");
const missing = captureToolsMissing();
if (missing !== undefined) {
  process.stdout.write(`${JSON.stringify({ bench: "capture/original-dst", skipped: missing })}\n`);
  process.exit(0);
}
const here = import.meta.dirname;
const prefix = `wb${process.pid.toString(36)}`;
// createPodPair: "pod" = proxy side (10.244.1.2), "peer" = client side (10.244.1.1).
const pair = createPodPair(prefix, []);
try {
  inNs(pair.peer, "ip", ["route", "add", "10.99.0.0/16", "via", "10.244.1.2"]);
  inNs(pair.pod, "iptables", ["-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-d", "10.99.1.0/24", "--dport", "80", "-j", "REDIRECT", "--to-ports", "15001"]);
  inNs(pair.pod, "iptables", ["-t", "mangle", "-A", "PREROUTING", "-p", "tcp", "-d", "10.99.2.0/24", "--dport", "80", "-j", "TPROXY", "--on-port", "15006", "--tproxy-mark", "1/1"]);
  inNs(pair.pod, "ip", ["rule", "add", "fwmark", "1", "lookup", "100"]);
  inNs(pair.pod, "ip", ["route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "100"]);
  const server = daemonInNs(pair.pod, join(here, "bench-server.ts"), ["15001", "15006"]);
  try {
    await server.waitFor((l) => l.startsWith("ready"));
    const client = (ip: string) => nodeInNs<Record<string, number>>(pair.peer, join(here, "bench-client.ts"), [ip, "80", String(COUNT), "15000"]);
    const setMode = async (m: string): Promise<void> => {
      server.child.stdin?.write(`mode ${m}\n`);
      await server.waitFor((l) => l === `mode ${m}`);
    };
    await setMode("addon");
    const viaAddon = await client("10.99.1.5");
    const conntrackEntries = Number(inNs(pair.pod, "sh", ["-c", "wc -l < /proc/net/nf_conntrack"]).trim());
    await setMode("conntrack");
    const viaConntrack = await client("10.99.1.5");
    const viaTproxy = await client("10.99.2.5");
    server.child.stdin?.write("report\n");
    type Summary = { accepts: number; p50: number; p99: number; mean: number };
    const report = JSON.parse(await server.waitFor((l) => l.startsWith('{"report":1,'))) as {
      addon: Summary;
      conntrack: Summary;
      tproxy: Summary;
      mismatches: number;
      misses: number;
    };
    const us = (x: Summary) => ({ usPerAcceptP50: x.p50, usPerAcceptP99: x.p99, usPerAcceptMean: x.mean, accepts: x.accepts });
    const common = { bench: "capture/original-dst", node: process.version, connectionsPerMode: COUNT };
    const lines = [
      { ...common, mode: "redirect+SO_ORIGINAL_DST(addon)", ...us(report.addon), connectionsPerSecond: viaAddon.connectionsPerSecond },
      { ...common, mode: "redirect+/proc/net/nf_conntrack", ...us(report.conntrack), connectionsPerSecond: viaConntrack.connectionsPerSecond, conntrackEntriesWhenStarted: conntrackEntries },
      { ...common, mode: "tproxy+IP_TRANSPARENT(localAddress)", ...us(report.tproxy), connectionsPerSecond: viaTproxy.connectionsPerSecond },
      { ...common, mode: "check", conntrackVsAddonMismatches: report.mismatches, unrecovered: report.misses },
    ];
    for (const l of lines) process.stdout.write(`${JSON.stringify(l)}\n`);
  } finally {
    await server.stop();
  }
} finally {
  pair.cleanup();
}
