// proxy-trace-chain: the full multi-hop trace through three real proxy engines (pkg/proxy) on
// loopback — gateway face → sidecar-outbound face (no route attached: default cluster) →
// sidecar-inbound face (to the local app, with a peer identity) — each with its own Tracing
// exporting to one OTLP/HTTP receiver. Proves one trace per request with an unbroken parent chain
// and the weft.* attributes the engine sets. (Capture and mesh mTLS between the sidecars are not
// part of this test: plain loopback TCP stands in for them.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initTracing, type Tracing } from "../../pkg/telemetry/index.ts";
import { h1 } from "../proxy/client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "../proxy/fixtures.ts";
import { startHttpReceiver, type OtlpReceiver } from "../support/otlp/otlp-receiver.ts";

let receiver: OtlpReceiver;
let app: Echo;
const tracers: Tracing[] = [];
const proxies: ProxyUnderTest[] = [];

function tracer(serviceName: string, samplingRatio: number): Tracing {
  const t = initTracing({ serviceName, protocol: "http", otlpEndpoint: receiver.endpoint, samplingRatio, propagators: ["tracecontext", "baggage"], exportDelayMs: 50 });
  tracers.push(t);
  return t;
}

beforeAll(async () => {
  receiver = await startHttpReceiver();
  app = await startEcho("reviews-app");
  const inbound = await startProxy(meshIR([]), undefined, {
    tracing: tracer("reviews-sidecar", 0),
    ctx: { face: "sidecar-inbound", localAppPort: app.port, peerIdentity: "spiffe://cluster.local/ns/default/sa/productpage", label: "inbound" },
  });
  const outbound = await startProxy(meshIR([cluster("default/reviews:9080", [endpoint(inbound.port)])]), undefined, {
    tracing: tracer("productpage-sidecar", 0),
    ctx: { face: "sidecar-outbound", defaultCluster: "default/reviews:9080", label: "default/reviews:9080" },
  });
  const gateway = await startProxy(meshIR([cluster("default/productpage:9080", [endpoint(outbound.port)])]), tables([{ matches: [prefix("/")], backends: [backend("default/productpage:9080")] }]), {
    tracing: tracer("weft-gateway", 1),
  });
  proxies.push(gateway, outbound, inbound);
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  for (const t of tracers) await t.shutdown();
  await app?.close();
  await receiver?.close();
});

describe("one trace through gateway → sidecar → sidecar (real proxy engines)", () => {
  it("exports six spans of one trace, each parented by the previous hop", async () => {
    const r = await h1(proxies[0]!.port, "/reviews/1");
    expect(r.status).toBe(200);
    await Promise.all(tracers.map((t) => t.forceFlush()));
    const spans = await receiver.waitForSpans(6);
    expect(spans).toHaveLength(6);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const pick = (svc: string, kind: number) => spans.find((s) => s.serviceName === svc && s.kind === kind);
    const chain = [pick("weft-gateway", 2), pick("weft-gateway", 3), pick("productpage-sidecar", 2), pick("productpage-sidecar", 3), pick("reviews-sidecar", 2), pick("reviews-sidecar", 3)];
    for (const s of chain) expect(s).toBeDefined();
    expect(chain[0]!.parentSpanId).toBe("");
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.parentSpanId, `${chain[i]!.serviceName} kind ${chain[i]!.kind}`).toBe(chain[i - 1]!.spanId);
    expect(chain[0]!.attributes).toMatchObject({ "weft.route": "HTTPRoute/default/r0", "weft.backend": "default/productpage:9080", "http.response.status_code": 200 });
    expect(chain[2]!.attributes["weft.backend"]).toBe("default/reviews:9080");
    expect(chain[4]!.attributes["weft.peer.identity"]).toBe("spiffe://cluster.local/ns/default/sa/productpage");
    const seen = app.seen[app.seen.length - 1]!;
    expect(String(seen.headers["traceparent"])).toBe(`00-${chain[0]!.traceId}-${chain[5]!.spanId}-01`);
  });
});
