// h2spec: the HTTP/2 conformance suite (github.com/summerwind/h2spec, built by scripts/build-test-cluster.sh
// h2spec; "h2spec" tier) run against every HTTP/2 face of the proxy — a gateway's HTTP listener (h2c
// prior knowledge), its HTTPS listener (TLS, ALPN h2), the sidecar's outbound capture listener and its
// inbound one (permissive: plaintext h2c) — and, in the same run, against a bare node:http2 server. Weft's
// HTTP/2 is node's (nghttp2), so the goal is: no case fails on a Weft face that node's own server passes.
// The cases node itself fails are listed in docs/proxy.md (HTTP/2 conformance).
// Bounded: h2spec waits at most 10 s (node's face: 3 s) for each frame it expects, the process has a deadline. Loopback only.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { GatewayListeners } from "../../pkg/proxy/gateway/gateway-listeners.ts";
import { startSidecar, type Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import type { GatewayIR, MeshServiceIR } from "../../pkg/ir/types.ts";
import { selfSigned } from "../support/certs.ts";
import { h2specTier as tier, runH2spec, type H2specOutcome } from "../support/h2spec.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, tables, type Echo } from "./fixtures.ts";

let dir: string;
let echo: Echo;
let reference: Http2Server;
let engine: WeftHttpEngine;
let gateway: GatewayListeners;
let sidecarEngine: WeftHttpEngine;
let sidecar: Sidecar;

beforeAll(async () => {
  if (!tier.present) return;
  dir = mkdtempSync(join(tmpdir(), "weft-h2spec-"));
  echo = await startEcho("app");
  reference = createServer((_req, res) => {
    res.end("ok");
  });
  await new Promise<void>((r) => reference.listen(0, "127.0.0.1", r));
  const cert = selfSigned(["h2spec.example"]);
  const routes = tables([{ matches: [prefix("/")], backends: [backend("ns/app:80")] }]);
  const gw: GatewayIR = {
    namespace: "gw",
    name: "web",
    ports: [
      { port: 80, protocol: "HTTP", listeners: [{ id: "gw/web/http", name: "http", protocol: "HTTP", certificates: [], routes }] },
      { port: 443, protocol: "HTTPS", listeners: [{ id: "gw/web/https", name: "https", protocol: "HTTPS", certificates: ["gw/cert"], routes }] },
    ],
  };
  const ir = { ...meshIR([cluster("ns/app:80", [endpoint(echo.port)])]), gateways: [gw], secrets: [{ id: "gw/cert", ...cert }] };
  engine = createHttpEngine();
  engine.setState(engineStateOf(ir, "v1"));
  gateway = new GatewayListeners({ engine, host: "127.0.0.1", portMap: () => 0 });
  await gateway.apply(gw, ir.secrets);
  // The sidecar: outbound to a Service whose endpoint is the echo app; inbound (permissive) to the same app.
  const svc: MeshServiceIR = { namespace: "ns", name: "app", clusterIPs: ["127.0.0.10"], ports: [{ port: 80, cluster: "ns/app:80", consumers: {} }] };
  sidecarEngine = createHttpEngine();
  sidecarEngine.setState(engineStateOf({ ...meshIR([cluster("ns/app:80", [endpoint(echo.port)])]), services: [svc] }, "s1"));
  sidecar = await startSidecar({
    engine: sidecarEngine,
    outboundPort: 0,
    inboundPort: 0,
    host: "127.0.0.1",
    inboundMode: "permissive",
    // h2spec dials a case's connection, then, in cases 6.5.3/1, 6.9.1/1 and 6.9.2/1, fetches the body's
    // length over a second connection (spec.ServerDataLength) before it sends the first one's preface. On a
    // loaded machine (five h2spec runs at once) that took longer than the capture's 300 ms peek window, and
    // the sidecar, as designed, passed the still-silent connection through as opaque TCP (to 127.0.0.10:80,
    // where nothing listens: h2spec saw EOF). The window is not what this file tests, so it is wide here;
    // test/sidecar/sidecar-loopback.test.ts tests it.
    peekTimeoutMs: 10_000,
    lookup: (ip, port) => (ip === "127.0.0.10" && port === 80 ? { service: svc, port: svc.ports[0]!, routes: undefined } : undefined),
    originalDestination: (socket) => (socket.localPort === sidecar.inboundPort ? { address: "127.0.0.1", port: echo.port } : { address: "127.0.0.10", port: 80 }),
  });
});

afterAll(async () => {
  if (!tier.present) return;
  await sidecar?.drain(100);
  await sidecarEngine?.drain(100);
  await gateway?.close();
  await engine?.drain(100);
  await new Promise<void>((r) => reference.close(() => r()));
  await echo?.close();
  rmSync(dir, { recursive: true, force: true });
});

tier.describe("h2spec against every HTTP/2 face", () => {
  tier.it("no case fails on a Weft face that node's own HTTP/2 server passes", { timeout: 300_000 }, async () => {
    const faces: [string, number, boolean][] = [
      ["node-http2", (reference.address() as AddressInfo).port, false],
      ["gateway-h2c", gateway.boundPort(80)!, false],
      ["gateway-https", gateway.boundPort(443)!, true],
      ["sidecar-outbound", sidecar.outboundPort, false],
      ["sidecar-inbound", sidecar.inboundPort, false],
    ];
    // node's own server fails 9 cases by staying silent, each costing h2spec's whole wait: 3 s there keeps
    // the file near 25 s (10 s would take ~95 s). Under load a late answer from node can only add a case to
    // node's failures, i.e. excuse it on the Weft faces, which wait the default 10 s (test/support/h2spec.ts).
    const results = await Promise.all(faces.map(([name, port, tls]) => runH2spec(port, join(dir, `${name}.xml`), tls, name === "node-http2" ? 3 : undefined)));
    const [node, ...weft] = results as [H2specOutcome, ...H2specOutcome[]];
    // h2spec ran its whole suite: most cases pass everywhere.
    expect(node.passed).toBeGreaterThan(100);
    for (const [i, r] of weft.entries()) {
      const name = faces[i + 1]![0];
      expect(r.passed, `${name} passed`).toBeGreaterThan(100);
      expect(r.failed.filter((id) => !node.failed.includes(id)), `${name}: failed where node's own server passes`).toEqual([]);
    }
    // Every h2spec connection reached a face: none was passed through as opaque TCP.
    expect({ outbound: sidecar.stats.outboundTcp, inbound: sidecar.stats.inboundTcp }, "sidecar connections passed through as opaque TCP").toEqual({ outbound: 0, inbound: 0 });
  });
});
