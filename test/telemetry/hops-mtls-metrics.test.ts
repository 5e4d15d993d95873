// hops-mtls-metrics: weft_mtls_handshake_failures_total fed by a live sidecar's inbound capture face
// (strict mTLS). Clients offering the mesh ALPN marker with a certificate from another CA, with no
// certificate, and with a certificate of the right CA but no SPIFFE URI SAN are refused; each refusal
// is counted once under its reason (unknown_ca, no_client_cert, bad_certificate). A good mesh client
// is served and counts nothing. Loopback only; every socket and listener is closed in afterAll.
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { startSidecar, type Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import { createMetricsRegistry, registerProxyMetrics, type MtlsFailureReason } from "../../pkg/telemetry/index.ts";
import { testCa, type Pem } from "../support/certs.ts";
import { startEcho, type Echo } from "../proxy/fixtures.ts";

const ID_SERVER = "spiffe://cluster.local/ns/shop/sa/reviews";
const ID_CLIENT = "spiffe://cluster.local/ns/shop/sa/frontend";
const registry = createMetricsRegistry();
let app: Echo;
let engine: WeftHttpEngine;
let sidecar: Sidecar;
let caPem: string;
let good: Pem, noSpiffe: Pem, foreign: Pem;

beforeAll(async () => {
  const ca = testCa("mtls-metrics-ca");
  const other = testCa("someone-elses-ca");
  caPem = ca.certPem;
  const server = ca.leaf({ cn: "reviews", uris: [ID_SERVER] });
  good = ca.leaf({ cn: "frontend", uris: [ID_CLIENT] });
  noSpiffe = ca.leaf({ cn: "frontend", dns: ["frontend.shop"] });
  foreign = other.leaf({ cn: "frontend", uris: [ID_CLIENT] });
  app = await startEcho("reviews-app");
  const telemetry = registerProxyMetrics(registry);
  engine = createHttpEngine({ telemetry });
  engine.setState(engineStateOf({ gateways: [], services: [], clusters: [], secrets: [] }, "m"));
  sidecar = await startSidecar({
    engine,
    outboundPort: 0,
    inboundPort: 0,
    host: "127.0.0.1",
    inboundMode: "strict",
    meshTls: { keyPem: server.keyPem, certChainPem: server.certPem, trustBundlePem: ca.certPem, identity: ID_SERVER },
    lookup: () => undefined,
    originalDestination: () => ({ address: "127.0.0.1", port: app.port }),
    log: () => {},
    onMtlsFailure: (reason) => telemetry.mtlsHandshakeFailed(reason),
  });
});

afterAll(async () => {
  await sidecar?.close();
  await engine?.drain(10);
  await app?.close();
});

async function failures(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await registry.renderMetrics()).split("\n")) {
    const m = /^weft_mtls_handshake_failures_total\{reason="([a-z_]+)"\} (\d+)$/.exec(line);
    if (m !== null) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Opens a mesh-ALPN TLS connection, sends one request, resolves with the bytes received when the peer closes (bounded). */
function meshClient(cert: Pem | undefined): Promise<string> {
  return new Promise((resolve) => {
    const s = tlsConnect({
      host: "127.0.0.1",
      port: sidecar.inboundPort,
      ca: caPem,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1", "weft-http/1.1"],
      ...(cert !== undefined ? { cert: cert.certPem, key: cert.keyPem } : {}),
    });
    const chunks: Buffer[] = [];
    const t = setTimeout(() => {
      s.destroy();
      resolve(Buffer.concat(chunks).toString());
    }, 5000);
    s.on("secureConnect", () => s.write("GET /x HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n"));
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks).toString());
    });
  });
}

async function until(want: number): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (Object.values(await failures()).reduce((a, b) => a + b, 0) >= want) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("mTLS handshake failures counted by reason at a live sidecar", () => {
  it("counts each refused handshake once under its reason; a good peer counts nothing", async () => {
    const served = await meshClient(good);
    expect(served).toMatch(/^HTTP\/1\.1 200 /);
    const refused: [Pem | undefined, MtlsFailureReason][] = [[foreign, "unknown_ca"], [undefined, "no_client_cert"], [noSpiffe, "bad_certificate"], [foreign, "unknown_ca"]];
    const expected: Record<string, number> = {};
    for (const [cert, reason] of refused) {
      const got = await meshClient(cert);
      expect(got, reason).not.toMatch(/HTTP\/1\.1 200/);
      expected[reason] = (expected[reason] ?? 0) + 1;
      await until(Object.values(expected).reduce((a, b) => a + b, 0));
    }
    expect(await failures()).toEqual(expected);
    expect(app.seen).toHaveLength(1);
  });
});
