// sidecar-pair-netns: two meshed pods, each with `weft init` rules and its own sidecar (uid 1337, real
// engine). The app in pod A dials a ClusterIP; sidecar A forwards to pod B's endpoint over mesh mTLS;
// pod B's PREROUTING rule sends it to sidecar B's inbound face, which verifies A's SPIFFE id and
// forwards to B's app on 127.0.0.1. Needs the "netns" tier (root, ip, iptables). The engine's mesh
// ALPN marker, which the inbound sidecar relies on, is code under test: test/sidecar/mesh-alpn.test.ts
// pins it on loopback, and these tests fail (never skip) without it.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MeshIR } from "../../pkg/ir/types.ts";
import { loadOriginalDstAddon, type SidecarStats } from "../../pkg/proxy/sidecar/index.ts";
import { testCa, issueLeaf } from "../support/certs.ts";
import { createPodPair, daemonInNs, inNs, netnsTier, nodeInNs, NODE, type Daemon, type PodPair } from "./support/netns.ts";

const root = join(import.meta.dirname, "../..");
const fixtures = join(import.meta.dirname, "fixtures");
const A_ID = "spiffe://cluster.local/ns/shop/sa/productpage";
const B_ID = "spiffe://cluster.local/ns/shop/sa/reviews";

netnsTier.describe("sidecar → sidecar over mesh mTLS", { timeout: 60_000 }, () => {
  let pair: PodPair;
  let tmp: string;
  const daemons: Daemon[] = [];
  let sidecarA: Daemon;
  let sidecarB: Daemon;

  async function stats(d: Daemon, seq: number): Promise<SidecarStats> {
    d.child.stdin?.write(`stats ${seq}\n`);
    return (JSON.parse(await d.waitFor((l) => l.startsWith('{"stats"') && l.includes(`"seq":${seq},`))) as { stats: SidecarStats }).stats;
  }

  beforeAll(async () => {
    loadOriginalDstAddon(); // builds it (as root) if a fresh clone has not yet: the uid-1337 sidecar cannot
    pair = createPodPair(`wq${process.pid.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`, []);
    tmp = mkdtempSync(join(tmpdir(), "weft-pair-"));
    chmodSync(tmp, 0o755);
    const ca = testCa();
    const leafA = issueLeaf(ca, A_ID);
    const leafB = issueLeaf(ca, B_ID);
    const irA: MeshIR = {
      gateways: [],
      secrets: [],
      services: [{ namespace: "shop", name: "reviews", clusterIPs: ["10.96.0.20"], ports: [{ port: 9080, cluster: "shop/reviews:9080", consumers: {} }] }],
      clusters: [{
        id: "shop/reviews:9080",
        namespace: "shop",
        service: "reviews",
        port: 9080,
        protocol: "http1",
        endpoints: [{ address: "10.244.1.1", port: 8080, ready: true, serving: true, terminating: false, identity: B_ID }],
      }],
    };
    const irB: MeshIR = { gateways: [], secrets: [], services: [], clusters: [] };
    const material = (leaf: { certPem: string; keyPem: string }, identity: string) => ({ keyPem: leaf.keyPem, certChainPem: leaf.certPem, trustBundlePem: ca.certPem, identity });
    writeFileSync(join(tmp, "a.json"), JSON.stringify({ uid: 1337, gid: 1337, clientNamespace: "shop", ir: irA, meshTls: material(leafA, A_ID) }), { mode: 0o644 });
    writeFileSync(join(tmp, "b.json"), JSON.stringify({ uid: 1337, gid: 1337, clientNamespace: "shop", ir: irB, meshTls: material(leafB, B_ID), inboundPortModes: { 8080: "strict" } }), {
      mode: 0o644,
    });
    for (const ns of [pair.pod, pair.peer]) inNs(ns, NODE, [join(root, "cmd/weft.ts"), "init"]);
    const appB = daemonInNs(pair.peer, join(fixtures, "servers.ts"), ["http:0.0.0.0:8080:reviews-app"]);
    sidecarA = daemonInNs(pair.pod, join(fixtures, "sidecar-main.ts"), [join(tmp, "a.json")]);
    sidecarB = daemonInNs(pair.peer, join(fixtures, "sidecar-main.ts"), [join(tmp, "b.json")]);
    daemons.push(appB, sidecarA, sidecarB);
    await Promise.all(daemons.map((d) => d.waitFor((l) => l === "ready")));
  });

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    pair?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("the app's plain HTTP leaves pod A as mTLS and reaches B's app with A's identity verified by B", async () => {
    const r = await nodeInNs<{ status: number; body: string }>(pair.pod, join(fixtures, "client.ts"), ["http", "10.96.0.20", "9080", "/pair"]);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ server: "reviews-app", path: "/pair" });
    await sidecarB.waitFor((l) => l.includes('"event":"inbound.mtls"') && l.includes(`"peerIdentity":"${A_ID}"`));
    const a = await stats(sidecarA, 1);
    const b = await stats(sidecarB, 1);
    expect(a.outboundHttp).toBe(1);
    expect(b.inboundMtls).toBe(1);
    expect(b.inboundPlainHttp + b.inboundTcp).toBe(0);
  });

  it("a plaintext request from pod A straight to B's pod IP (no Service: sidecar A passes it through) is refused by B's strict port", async () => {
    const r = await nodeInNs<{ status: number }>(pair.pod, join(fixtures, "client.ts"), ["http", "10.244.1.1", "8080", "/direct"]);
    expect(r.status).toBe(0);
    await sidecarB.waitFor((l) => l.includes('"event":"inbound.refused"') && l.includes("strict mTLS"));
  });
});
