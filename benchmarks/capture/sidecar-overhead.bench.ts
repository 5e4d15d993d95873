// sidecar-overhead benchmark: what transparent capture costs an app, side by side in one run. A pod
// namespace with `weft init` rules and the sidecar (uid 1337, real engine) and a peer namespace with
// the servers. Modes: "direct" (excluded port, no sidecar), "captured" (ClusterIP → sidecar outbound
// → engine → endpoint), "mesh pair" (… → mTLS h2 → the peer pod's inbound sidecar → its app; runs only
// when the engine's upstream offers the mesh ALPN marker). Bounded: COUNT requests per mode or 15 s. Needs root, ip, iptables. JSON lines.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MeshIR } from "../../pkg/ir/types.ts";
import { loadOriginalDstAddon } from "../../pkg/proxy/sidecar/index.ts";
import { engineOffersMeshAlpn } from "../../test/capture/support/engine-probe.ts";
import { captureToolsMissing, createPodPair, daemonInNs, inNs, nodeInNs, NODE, type Daemon } from "../../test/capture/support/netns.ts";
import { testCa, issueLeaf } from "../../test/support/certs.ts";

const COUNT = process.env.BENCH_COUNT ?? "3000";
const CONNS = process.env.BENCH_CONNS ?? "8";
const missing = captureToolsMissing();
if (missing !== undefined) {
  process.stdout.write(`${JSON.stringify({ bench: "capture/sidecar-overhead", skipped: missing })}\n`);
  process.exit(0);
}
loadOriginalDstAddon();
const root = join(import.meta.dirname, "../..");
const fixtures = join(root, "test/capture/fixtures");
const B_ID = "spiffe://cluster.local/ns/bench/sa/server";
const ir: MeshIR = {
  gateways: [],
  secrets: [],
  services: [
    { namespace: "bench", name: "svc", clusterIPs: ["10.96.0.10"], ports: [{ port: 9080, cluster: "bench/svc:9080", consumers: {} }] },
    { namespace: "bench", name: "meshed", clusterIPs: ["10.96.0.10"], ports: [{ port: 9443, cluster: "bench/meshed:9443", consumers: {} }] },
  ],
  clusters: [
    {
      id: "bench/svc:9080",
      namespace: "bench",
      service: "svc",
      port: 9080,
      protocol: "http1",
      endpoints: [{ address: "10.244.1.1", port: 8081, ready: true, serving: true, terminating: false }],
    },
    {
      id: "bench/meshed:9443",
      namespace: "bench",
      service: "meshed",
      port: 9443,
      protocol: "http1",
      endpoints: [{ address: "10.244.1.1", port: 8082, ready: true, serving: true, terminating: false, identity: B_ID }],
    },
  ],
};
// The mesh pair mode needs the engine's upstream mTLS to offer the mesh ALPN marker (docs/capture.md).
const probe = await engineOffersMeshAlpn();
const pair = createPodPair(`wo${process.pid.toString(36)}`, ["10.96.0.10"]);
const tmp = mkdtempSync(join(tmpdir(), "weft-bench-"));
const daemons: Daemon[] = [];
try {
  chmodSync(tmp, 0o755);
  const ca = testCa();
  const material = (id: string) => {
    const l = issueLeaf(ca, id);
    return { keyPem: l.keyPem, certChainPem: l.certPem, trustBundlePem: ca.certPem, identity: id };
  };
  writeFileSync(join(tmp, "sidecar.json"), JSON.stringify({ uid: 1337, gid: 1337, clientNamespace: "bench", ir, meshTls: material("spiffe://cluster.local/ns/bench/sa/client") }), { mode: 0o644 });
  writeFileSync(join(tmp, "sidecar-b.json"), JSON.stringify({ uid: 1337, gid: 1337, clientNamespace: "bench", ir: { gateways: [], services: [], clusters: [], secrets: [] }, meshTls: material(B_ID) }),
    { mode: 0o644 });
  inNs(pair.pod, NODE, [join(root, "cmd/weft.ts"), "init", "--exclude-outbound-ports", "7000"]);
  // Pod B captures inbound only on the meshed app port; the direct and plain endpoints stay uncaptured.
  inNs(pair.peer, NODE, [join(root, "cmd/weft.ts"), "init", "--include-inbound-ports", "8082", "--include-outbound-cidrs", "10.96.0.0/12"]);
  const servers = daemonInNs(pair.peer, join(fixtures, "servers.ts"), ["http:10.96.0.10:7000:direct", "http:10.244.1.1:8081:endpoint", "http:0.0.0.0:8082:meshed-endpoint"]);
  const sidecar = daemonInNs(pair.pod, join(fixtures, "sidecar-main.ts"), [join(tmp, "sidecar.json")]);
  const sidecarB = daemonInNs(pair.peer, join(fixtures, "sidecar-main.ts"), [join(tmp, "sidecar-b.json")]);
  daemons.push(servers, sidecar, sidecarB);
  await Promise.all(daemons.map((d) => d.waitFor((l) => l === "ready")));
  const load = (port: string) => nodeInNs<Record<string, number>>(pair.pod, join(import.meta.dirname, "load-client.ts"), ["10.96.0.10", port, COUNT, CONNS, "15000"]);
  const common = { bench: "capture/sidecar-overhead", node: process.version, connections: Number(CONNS), requestsPerMode: Number(COUNT) };
  for (const [mode, port] of [["direct (excluded port, no sidecar)", "7000"], ["captured (sidecar outbound + engine)", "9080"]] as const) {
    await load(port);
    process.stdout.write(`${JSON.stringify({ ...common, mode, ...(await load(port)) })}\n`);
  }
  const pairMode = "mesh pair (sidecar A outbound → mTLS h2 → sidecar B inbound → app)";
  if (probe.offers) {
    await load("9443");
    process.stdout.write(`${JSON.stringify({ ...common, mode: pairMode, ...(await load("9443")) })}\n`);
  } else {
    process.stdout.write(`${JSON.stringify({ ...common, mode: pairMode, skipped: `engine upstream mTLS offers ALPN ${JSON.stringify(probe.alpn)}, no mesh marker` })}\n`);
  }
} finally {
  await Promise.all(daemons.map((d) => d.stop()));
  pair.cleanup();
  rmSync(tmp, { recursive: true, force: true });
}
