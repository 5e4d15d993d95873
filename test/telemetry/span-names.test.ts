// span-names: after routing, a sampled HTTP server span carries the matched route's template as
// `http.route` and is named `{method} {route}` (semconv); a request served without a route table keeps
// the method-only name and no `http.route`. A rule whose filter answers (a redirect) still names the span
// and carries its route, and so does one refused after routing (invalid backend). Spans arrive at a real
// OTLP/HTTP receiver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initTracing, type Tracing } from "../../pkg/telemetry/index.ts";
import { h1 } from "../proxy/client.ts";
import { backend, cluster, endpoint, exact, invalidBackend, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "../proxy/fixtures.ts";
import { startHttpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp/otlp-receiver.ts";

let up: Echo;
let receiver: OtlpReceiver;
let tracing: Tracing;
let routed: ProxyUnderTest;
let unrouted: ProxyUnderTest;

beforeAll(async () => {
  up = await startEcho("up");
  receiver = await startHttpReceiver();
  tracing = initTracing({ enabled: true, serviceName: "span-names", protocol: "http", otlpEndpoint: receiver.endpoint, samplingRatio: 1, propagators: ["tracecontext"], exportDelayMs: 50 });
  const ir = meshIR([cluster("ns/up:80", [endpoint(up.port)])]);
  routed = await startProxy(ir, tables([
    { matches: [exact("/health")], backends: [backend("ns/up:80")] },
    { matches: [{ ...prefix("/"), path: { type: "RegularExpression", value: "/v[0-9]+/items" } }], backends: [backend("ns/up:80")] },
    { matches: [prefix("/reviews")], backends: [backend("ns/up:80")] },
    { matches: [prefix("/old")], filters: [{ type: "RequestRedirect", path: { type: "ReplacePrefixMatch", value: "/new", prefix: "/old" }, statusCode: 301 }] },
    { matches: [prefix("/broken")], backends: [invalidBackend()] },
  ]), { tracing });
  unrouted = await startProxy(ir, undefined, { tracing, ctx: { face: "sidecar-outbound", defaultCluster: "ns/up:80" } });
});

afterAll(async () => {
  await routed.close();
  await unrouted.close();
  await tracing.shutdown();
  await receiver.close();
  await up.close();
});

/** The server span of one request sent with `send`. */
async function serverSpanOf(send: () => Promise<unknown>, spanCount = 2): Promise<ReceivedSpan> {
  receiver.spans.length = 0;
  await send();
  await tracing.forceFlush();
  const spans = await receiver.waitForSpans(spanCount);
  const server = spans.filter((s) => s.kind === 2);
  expect(server).toHaveLength(1);
  return server[0]!;
}

describe("HTTP server span names", () => {
  it("names a prefix-routed request by its route template, not by the path sent", async () => {
    const s = await serverSpanOf(() => h1(routed.port, "/reviews/42?x=1"));
    expect(s.name).toBe("GET /reviews/*");
    expect(s.attributes["http.route"]).toBe("/reviews/*");
  });
  it("names exact and regular-expression routes by their match", async () => {
    expect((await serverSpanOf(() => h1(routed.port, "/health", { method: "HEAD" }))).name).toBe("HEAD /health");
    const s = await serverSpanOf(() => h1(routed.port, "/v2/items", { method: "POST", body: "x" }));
    expect(s.name).toBe("POST /v[0-9]+/items");
  });
  it("names a request a rule's filter answered (redirect) by that rule, with its route attributes", async () => {
    const s = await serverSpanOf(async () => expect((await h1(routed.port, "/old/page")).status).toBe(301), 1);
    expect(s.name).toBe("GET /old/*");
    expect(s.attributes).toMatchObject({ "http.route": "/old/*", "weft.route": "HTTPRoute/default/r3", "weft.rule": "HTTPRoute/default/r3/0", "http.response.status_code": 301 });
  });
  it("names a request refused after routing (invalid backend ⇒ 500) by its rule", async () => {
    const s = await serverSpanOf(async () => expect((await h1(routed.port, "/broken/x")).status).toBe(500), 1);
    expect(s.name).toBe("GET /broken/*");
    expect(s.attributes).toMatchObject({ "http.route": "/broken/*", "weft.route": "HTTPRoute/default/r4", "http.response.status_code": 500 });
  });
  it("keeps the method-only name when no route table routed the request", async () => {
    const s = await serverSpanOf(() => h1(unrouted.port, "/anything"));
    expect(s.name).toBe("GET");
    expect(s.attributes["http.route"]).toBeUndefined();
  });
});
