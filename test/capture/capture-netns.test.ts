// capture-netns: real transparent capture. A "pod" network namespace gets `weft init`'s rules; an app
// process in it dials a Service ClusterIP that exists only in a peer namespace; the sidecar (real HTTP
// engine, running as uid 1337) sees the original destination, applies the Service's HTTPRoute
// (header-based split to two upstreams), and its own upstream connections are not captured again.
// Also: excluded ports bypass the sidecar, non-HTTP TCP passes through, rules are idempotent, inbound
// plaintext and mesh mTLS (peer SPIFFE id) reach the app, a strict port refuses plaintext.
// Skips only when not root or ip/iptables are missing.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ClusterIR, MeshIR, RouteTablesIR, RuleIR } from "../../pkg/ir/types.ts";
import { loadOriginalDstAddon, type SidecarStats } from "../../pkg/proxy/sidecar/index.ts";
import { testCa, issueLeaf } from "../support/certs.ts";
import { createPodPair, daemonInNs, inNs, nodeInNs, NODE, netnsTier, type Daemon, type PodPair } from "./support/netns.ts";

const root = join(import.meta.dirname, "../..");
const fixtures = join(import.meta.dirname, "fixtures");
const CLIENT_ID = "spiffe://cluster.local/ns/shop/sa/productpage";

function rule(i: number, cluster: string): RuleIR {
  return {
    id: `HTTPRoute/shop/reviews-split/${i}`,
    route: { kind: "HTTPRoute", namespace: "shop", name: "reviews-split", generation: 1 },
    ruleIndex: i,
    filters: [],
    backends: [{ kind: "cluster", weight: 1, cluster, filters: [] }],
    timeouts: {},
  };
}

const producer: RouteTablesIR = {
  http: {
    kind: "http",
    entries: [
      { hostnames: [], match: { kind: "http", path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "x-version", value: "v2" }], queryParams: [] }, rule: 0, matchIndex: 0 },
      { hostnames: [], match: { kind: "http", path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] }, rule: 1, matchIndex: 0 },
    ],
    rules: [rule(0, "shop/reviews-v2:8082"), rule(1, "shop/reviews-v1:8081")],
  },
  grpc: { kind: "grpc", entries: [], rules: [] },
};

function cluster(id: string, service: string, port: number, epPort: number): ClusterIR {
  return {
    id,
    namespace: "shop",
    service,
    port,
    protocol: "http1",
    endpoints: [{ address: "10.244.1.1", port: epPort, ready: true, serving: true, terminating: false }],
  };
}

const ir: MeshIR = {
  gateways: [],
  services: [
    { namespace: "shop", name: "reviews", clusterIPs: ["10.96.0.10", "fd00:96::10"], ports: [{ port: 9080, cluster: "shop/reviews:9080", producer, consumers: {} }] },
    { namespace: "shop", name: "tcpsvc", clusterIPs: ["10.96.0.11"], ports: [{ port: 9000, cluster: "shop/tcpsvc:9000", consumers: {} }] },
  ],
  clusters: [
    cluster("shop/reviews:9080", "reviews", 9080, 8081),
    cluster("shop/reviews-v1:8081", "reviews-v1", 8081, 8081),
    cluster("shop/reviews-v2:8082", "reviews-v2", 8082, 8082),
    cluster("shop/tcpsvc:9000", "tcpsvc", 9000, 9000),
  ],
  secrets: [],
};

interface HttpOut {
  status: number;
  body: string;
  error?: string;
}
interface TcpOut {
  received: string;
  how: string;
}

netnsTier.describe("transparent capture in network namespaces", { timeout: 60_000 }, () => {
  let pair: PodPair;
  let tmp: string;
  const daemons: Daemon[] = [];
  let sidecar: Daemon;
  let initOutput = "";
  let natAfterFirstInit = "";
  const ca = testCa();

  let statsSeq = 0;
  async function stats(): Promise<SidecarStats> {
    const seq = ++statsSeq;
    sidecar.child.stdin?.write(`stats ${seq}\n`);
    const line = await sidecar.waitFor((l) => l.startsWith('{"stats"') && l.includes(`"seq":${seq},`));
    const parsed = JSON.parse(line) as { stats: SidecarStats; uid: number };
    expect(parsed.uid).toBe(1337);
    return parsed.stats;
  }
  const appHttp = (host: string, port: number, path: string, ...headers: string[]): Promise<HttpOut> =>
    nodeInNs<HttpOut>(pair.pod, join(fixtures, "client.ts"), ["http", host, String(port), path, ...headers]);

  beforeAll(async () => {
    loadOriginalDstAddon(); // builds it (as root) if a fresh clone has not yet: the uid-1337 sidecar cannot
    const prefix = `wc${process.pid.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    pair = createPodPair(prefix, ["10.96.0.10", "10.96.0.11", "fd00:96::10"]);
    tmp = mkdtempSync(join(tmpdir(), "weft-capture-"));
    chmodSync(tmp, 0o755);
    const serverLeaf = issueLeaf(ca, "spiffe://cluster.local/ns/shop/sa/reviews");
    const clientLeaf = issueLeaf(ca, CLIENT_ID);
    writeFileSync(join(tmp, "client-mtls.json"), JSON.stringify({ ...clientLeaf, caPem: ca.certPem }), { mode: 0o644 });
    writeFileSync(join(tmp, "client-plain-tls.json"), JSON.stringify({ caPem: ca.certPem }), { mode: 0o644 });
    writeFileSync(join(tmp, "sidecar.json"), JSON.stringify({
      uid: 1337,
      gid: 1337,
      clientNamespace: "shop",
      ir,
      inboundPortModes: { 8443: "strict" },
      meshTls: { keyPem: serverLeaf.keyPem, certChainPem: serverLeaf.certPem, trustBundlePem: ca.certPem, identity: "spiffe://cluster.local/ns/shop/sa/reviews" },
    }), { mode: 0o644 });

    const upstream = daemonInNs(pair.peer, join(fixtures, "servers.ts"), [
      "http:10.96.0.10:9080:uncaptured-clusterip",
      "http:10.244.1.1:8081:reviews-v1",
      "http:10.244.1.1:8082:reviews-v2",
      "http:10.96.0.10:7000:excluded-direct",
      "echo:0.0.0.0:9000",
    ]);
    const app = daemonInNs(pair.pod, join(fixtures, "servers.ts"), ["http:0.0.0.0:8080:app", "http:0.0.0.0:8443:app-strict"]);
    daemons.push(upstream, app);
    await Promise.all([upstream.waitFor((l) => l === "ready"), app.waitFor((l) => l === "ready")]);

    initOutput = inNs(pair.pod, NODE, [join(root, "cmd/weft.ts"), "init", "--exclude-outbound-ports", "7000", "--admin-port", "15000"]);
    natAfterFirstInit = inNs(pair.pod, "iptables", ["-t", "nat", "-S"]);
    inNs(pair.pod, NODE, [join(root, "cmd/weft.ts"), "init", "--exclude-outbound-ports", "7000", "--admin-port", "15000"]);

    sidecar = daemonInNs(pair.pod, join(fixtures, "sidecar-main.ts"), [join(tmp, "sidecar.json")]);
    daemons.push(sidecar);
    await sidecar.waitFor((l) => l === "ready");
  });

  it("the sidecar recovers original destinations with the native addon (not the conntrack fallback)", async () => {
    await sidecar.waitFor((l) => l.includes('"event":"sidecar.listening"') && l.includes('"originalDst":"addon"'));
  });

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    pair?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("weft init installs the chains once (a second run changes nothing) with the proxy uid exempt", () => {
    expect(initOutput).toMatch(/capture installed/);
    const nat = inNs(pair.pod, "iptables", ["-t", "nat", "-S"]);
    expect(nat).toBe(natAfterFirstInit);
    expect(nat).toContain("-A OUTPUT -p tcp -j WEFT_OUTPUT");
    expect(nat).toContain("-A WEFT_OUTPUT -m owner --uid-owner 1337 -j RETURN");
    expect(nat).toContain("-A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports 15001");
    expect(nat.split("\n").filter((l) => l === "-A OUTPUT -p tcp -j WEFT_OUTPUT")).toHaveLength(1);
  });

  it("routes the app's request to the ClusterIP through the sidecar by the Service's HTTPRoute (header split)", async () => {
    const before = await stats();
    const n = 6;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => i % 2 === 0 ? appHttp("10.96.0.10", 9080, `/r${i}`, "x-version=v2") : appHttp("10.96.0.10", 9080, `/r${i}`)));
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe(200);
      const body = JSON.parse(r.body) as { server: string; path: string; remote: string };
      expect(body.server).toBe(i % 2 === 0 ? "reviews-v2" : "reviews-v1");
      expect(body.path).toBe(`/r${i}`);
    }
    const after = await stats();
    // Exactly one captured connection per request: the sidecar's own upstream connections (uid 1337) were not captured.
    expect(after.outboundHttp - before.outboundHttp).toBe(n);
    expect(after.outboundTcp).toBe(before.outboundTcp);
    expect(after.outboundRefused).toBe(0);
  });

  it("without a route match header, the default rule's backend answers; the real ClusterIP server never sees captured traffic", async () => {
    const r = await appHttp("10.96.0.10", 9080, "/plain");
    expect(JSON.parse(r.body)).toMatchObject({ server: "reviews-v1" });
    expect(r.body).not.toContain("uncaptured-clusterip");
  });

  it("IPv6: the app's request to the Service's IPv6 ClusterIP is captured by the ip6tables rules and routed the same way", async () => {
    const before = await stats();
    const v2 = await appHttp("fd00:96::10", 9080, "/v6", "x-version=v2");
    const v1 = await appHttp("fd00:96::10", 9080, "/v6");
    expect(JSON.parse(v2.body)).toMatchObject({ server: "reviews-v2", path: "/v6" });
    expect(JSON.parse(v1.body)).toMatchObject({ server: "reviews-v1", path: "/v6" });
    const after = await stats();
    expect(after.outboundHttp - before.outboundHttp).toBe(2);
  });

  it("an excluded outbound port bypasses the sidecar", async () => {
    const before = await stats();
    const r = await appHttp("10.96.0.10", 7000, "/x");
    expect(JSON.parse(r.body)).toMatchObject({ server: "excluded-direct" });
    const after = await stats();
    expect(after).toEqual(before);
  });

  it("non-HTTP TCP to a mesh Service passes through the sidecar to the original destination, with half-close", async () => {
    const before = await stats();
    const payload = "\u0001\u0002raw-tcp-payload".repeat(50);
    const r = await nodeInNs<TcpOut>(pair.pod, join(fixtures, "client.ts"), ["tcp", "10.96.0.11", "9000", payload]);
    expect(r).toEqual({ received: payload, how: "end" });
    const after = await stats();
    expect(after.outboundTcp - before.outboundTcp).toBe(1);
  });

  it("inbound plaintext HTTP from an unmeshed client (IPv4 and IPv6) reaches the app through the sidecar (permissive port)", async () => {
    const before = await stats();
    const r = await nodeInNs<HttpOut>(pair.peer, join(fixtures, "client.ts"), ["http", "10.244.1.2", "8080", "/in"]);
    expect(JSON.parse(r.body)).toMatchObject({ server: "app", path: "/in" });
    const after = await stats();
    expect(after.inboundPlainHttp - before.inboundPlainHttp).toBe(1);
    const v6 = await nodeInNs<HttpOut>(pair.peer, join(fixtures, "client.ts"), ["http", "fd00:244::2", "8080", "/in6"]);
    expect(JSON.parse(v6.body)).toMatchObject({ server: "app", path: "/in6" });
    expect((await stats()).inboundPlainHttp - after.inboundPlainHttp).toBe(1);
  });

  it("inbound mesh mTLS reaches the app on a strict port with the client's SPIFFE id; plaintext there is refused", async () => {
    const before = await stats();
    const ok = await nodeInNs<HttpOut>(pair.peer, join(fixtures, "client.ts"), ["mtls", "10.244.1.2", "8443", join(tmp, "client-mtls.json"), "weft-http/1.1"]);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ server: "app-strict" });
    await sidecar.waitFor((l) => l.includes('"event":"inbound.mtls"') && l.includes(`"peerIdentity":"${CLIENT_ID}"`) && l.includes('"port":8443'));
    const plain = await nodeInNs<HttpOut>(pair.peer, join(fixtures, "client.ts"), ["http", "10.244.1.2", "8443", "/nope"]);
    expect(plain.status).toBe(0);
    const noCert = await nodeInNs<HttpOut>(pair.peer, join(fixtures, "client.ts"), ["mtls", "10.244.1.2", "8443", join(tmp, "client-plain-tls.json"), "weft-http/1.1"]);
    expect(noCert.status).toBe(0);
    const after = await stats();
    expect(after.inboundMtls - before.inboundMtls).toBe(1);
    expect(after.inboundRefused - before.inboundRefused).toBe(2);
    await sidecar.waitFor((l) => l.includes('"event":"inbound.refused"') && l.includes("strict mTLS"));
  });

  it("weft init --cleanup removes the capture: the same request then reaches the real ClusterIP, not the sidecar", async () => {
    const out = inNs(pair.pod, NODE, [join(root, "cmd/weft.ts"), "init", "--cleanup"]);
    expect(out).toMatch(/capture removed/);
    const nat = inNs(pair.pod, "iptables", ["-t", "nat", "-S"]);
    expect(nat).not.toContain("WEFT_");
    expect(inNs(pair.pod, "ip6tables", ["-t", "nat", "-S"])).not.toContain("WEFT_");
    const before = await stats();
    const r = await appHttp("10.96.0.10", 9080, "/after-cleanup", "x-version=v2");
    expect(JSON.parse(r.body)).toMatchObject({ server: "uncaptured-clusterip" });
    expect(await stats()).toEqual(before);
  });
});
