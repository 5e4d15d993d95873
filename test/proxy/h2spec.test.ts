// h2spec: the HTTP/2 conformance suite (github.com/summerwind/h2spec, built by scripts/build-test-cluster.sh
// h2spec; "h2spec" tier) run against every HTTP/2 face of the proxy — a gateway's HTTP listener (h2c
// prior knowledge), its HTTPS listener (TLS, ALPN h2), the sidecar's outbound capture listener and its
// inbound one (permissive: plaintext h2c) — and, in the same run, against a bare node:http2 server. Weft's
// HTTP/2 is node's (nghttp2), so the goal is: no case fails on a Weft face that node's own server passes.
// The cases node itself fails are listed in docs/proxy.md (HTTP/2 conformance).
// Bounded: every h2spec run has a per-case timeout and the process a deadline. Loopback only.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
import { pieceBin, toolsetMissing } from "../../tools/toolset.ts";
import { selfSigned } from "../support/certs.ts";
import { requireTier } from "../support/tiers.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, tables, type Echo } from "./fixtures.ts";

const h2specBin = pieceBin("h2spec", "h2spec");
const tier = requireTier("h2spec", toolsetMissing(["h2spec"]) ?? (h2specBin === undefined ? "h2spec binary missing: run scripts/build-test-cluster.sh h2spec" : undefined));

interface Outcome {
  readonly passed: number;
  readonly failed: readonly string[];
}

/** Runs h2spec against one port; gives the ids ("http2/5.1 Sends a DATA frame") of the cases that failed. */
function h2spec(port: number, tls: boolean, dir: string, name: string): Promise<Outcome> {
  const report = join(dir, `${name}.xml`);
  return new Promise((resolve, reject) => {
    const args = ["-h", "127.0.0.1", "-p", String(port), "-o", "3", "-j", report, ...(tls ? ["-t", "-k"] : [])];
    const child = spawn(h2specBin!, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.once("exit", () => {
      clearTimeout(timer);
      let xml: string;
      try {
        xml = readFileSync(report, "utf8");
      } catch {
        reject(new Error(`h2spec ${name}: no report (${err.slice(0, 500)})`));
        return;
      }
      const failed: string[] = [];
      let passed = 0;
      for (const m of xml.matchAll(/<testcase package="([^"]*)" classname="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
        if (m[3]!.includes("<failure") || m[3]!.includes("<error")) failed.push(`${m[1]} ${m[2]}`);
        else if (!m[3]!.includes("<skipped")) passed++;
      }
      resolve({ passed, failed });
    });
  });
}

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
    const results = await Promise.all(faces.map(([name, port, tls]) => h2spec(port, tls, dir, name)));
    const [node, ...weft] = results as [Outcome, ...Outcome[]];
    // h2spec ran its whole suite: most cases pass everywhere.
    expect(node.passed).toBeGreaterThan(100);
    for (const [i, r] of weft.entries()) {
      const name = faces[i + 1]![0];
      expect(r.passed, `${name} passed`).toBeGreaterThan(100);
      expect(r.failed.filter((id) => !node.failed.includes(id)), `${name}: failed where node's own server passes`).toEqual([]);
    }
  });
});
