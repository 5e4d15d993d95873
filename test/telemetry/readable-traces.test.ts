// readable-traces: what makes a trace readable, on the tracing facade and its helpers, exported to an
// in-test OTLP/HTTP receiver — the resource (one service per workload, OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES winning), sub-millisecond span times on one clock with a child never ending
// after its parent, Weft's reason on the span, and the request attributes (redacted where they must be).
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  clientCall,
  initTracing,
  parseWorkloadRef,
  processResource,
  requestIdAttributes,
  serverRequestAttributes,
  spanClockMs,
  upstreamReasonOf,
  type Tracing,
} from "../../pkg/telemetry/index.ts";
import { startHttpReceiver, type OtlpReceiver } from "../support/otlp/otlp-receiver.ts";

describe("processResource: one service per workload", () => {
  it("names a sidecar after its workload and namespace, with the pod's facts", () => {
    const r = processResource({ role: "sidecar", namespace: "shop", pod: "reviews-v2-5d8f9c7b4-x2k9q", container: "weft-proxy", node: "node-1", workload: parseWorkloadRef("Deployment/reviews-v2"),
      version: "0.1.0" });
    expect(r.serviceName).toBe("reviews-v2.shop");
    expect(r.attributes).toEqual({
      "weft.proxy.mode": "sidecar",
      "service.namespace": "shop",
      "k8s.namespace.name": "shop",
      "k8s.pod.name": "reviews-v2-5d8f9c7b4-x2k9q",
      "k8s.container.name": "weft-proxy",
      "k8s.node.name": "node-1",
      "service.version": "0.1.0",
      "k8s.deployment.name": "reviews-v2",
      "service.instance.id": "shop.reviews-v2-5d8f9c7b4-x2k9q.weft-proxy",
    });
  });
  it("names a bare pod's sidecar after the pod (local mode), a gateway after its Gateway, the controller weft-controller", () => {
    expect(processResource({ role: "sidecar", namespace: "demo", pod: "web-0" }).serviceName).toBe("web-0.demo");
    const gw = processResource({ role: "gateway", namespace: "demo", pod: "public-gateway", gateway: { namespace: "demo", name: "public" }, workload: { kind: "Deployment", name: "weft-gw-public" } });
    expect(gw.serviceName).toBe("public.demo");
    expect(gw.attributes).toMatchObject({ "weft.gateway": "demo/public", "k8s.deployment.name": "weft-gw-public", "service.instance.id": "demo.public-gateway" });
    expect(processResource({ role: "controller", namespace: "weft-system", pod: "weft-0" }).serviceName).toBe("weft-controller");
    expect(processResource({ role: "sidecar" }).serviceName).toBe("weft-sidecar");
  });
  it("reads WEFT_WORKLOAD strictly", () => {
    expect(parseWorkloadRef("StatefulSet/db")).toEqual({ kind: "StatefulSet", name: "db" });
    for (const bad of [undefined, "", "db", "Deployment/", "Deployment/Bad_Name", "Deployment/a/b", "Kind With Space/x"]) expect(parseWorkloadRef(bad)).toBeUndefined();
  });
});

describe("request attributes", () => {
  it("server: path and query (secrets redacted), https over mTLS, the original client, user agent", () => {
    expect(
      serverRequestAttributes({ target: "/reviews/1?token=abc&page=2", scheme: "http", mtls: true, remoteAddress: "::ffff:10.244.0.7", userAgent: "curl/8", forwardedFor: "203.0.113.9, 10.0.0.1" }),
    ).toEqual({
      "url.path": "/reviews/1",
      "url.query": "token=[REDACTED]&page=2",
      "url.scheme": "https",
      "client.address": "203.0.113.9",
      "network.peer.address": "10.244.0.7",
      "user_agent.original": "curl/8",
    });
    expect(serverRequestAttributes({ target: "/", scheme: "https", mtls: false, remoteAddress: "127.0.0.1", userAgent: undefined, forwardedFor: undefined }))
      .toEqual({ "url.path": "/", "url.scheme": "https", "client.address": "127.0.0.1" });
    expect(serverRequestAttributes({ target: "/x?", scheme: "http", mtls: false, remoteAddress: undefined, userAgent: undefined, forwardedFor: undefined })).toEqual({ "url.path": "/x",
      "url.scheme": "http" });
    expect(requestIdAttributes("r-1")).toEqual({ "http.request.header.x-request-id": ["r-1"] });
    expect(requestIdAttributes("")).toEqual({});
  });
  it("client: named for what it calls; gRPC by its method", () => {
    const http = clientCall({ method: "GET", path: "/a?sig=x", grpc: false, address: "10.0.0.5", port: 9080, mtls: true, backend: "shop/reviews-v1:9080", attempt: 1 });
    expect(http.name).toBe("GET shop/reviews-v1:9080");
    expect(http.attributes).toMatchObject({ "url.scheme": "https", "url.path": "/a", "url.query": "sig=[REDACTED]", "server.address": "10.0.0.5", "weft.attempt": 1 });
    expect(clientCall({ method: "GET", path: "/", grpc: false, address: "127.0.0.1", port: 8000, mtls: false, backend: undefined, attempt: 0 }).name).toBe("GET 127.0.0.1:8000");
    expect(clientCall({ method: "POST", path: "/weft.demo.Echo/Say", grpc: true, address: "x", port: 1, mtls: false, backend: "b", attempt: 0 }).name).toBe("weft.demo.Echo/Say");
  });
  it("takes the next hop's reason only when it is one of Weft's codes", () => {
    expect(upstreamReasonOf({ "x-weft-error": "no_endpoints" })).toBe("no_endpoints");
    expect(upstreamReasonOf({ "x-weft-error": ["upstream_reset"] })).toBe("upstream_reset");
    for (const v of [undefined, "", "Bearer abc", "x".repeat(60), "no-route"]) expect(upstreamReasonOf({ "x-weft-error": v })).toBeUndefined();
  });
});

describe("spans exported", () => {
  let receiver: OtlpReceiver | undefined;
  let tracing: Tracing | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await tracing?.shutdown();
    await receiver?.close();
  });
  const start = async (): Promise<Tracing> => {
    receiver = await startHttpReceiver();
    tracing = initTracing({ serviceName: "web-0.demo", protocol: "http", otlpEndpoint: receiver.endpoint, samplingRatio: 1, propagators: ["tracecontext"], exportDelayMs: 50,
      resourceAttributes: { "k8s.pod.name": "web-0", "service.namespace": "demo" } });
    return tracing;
  };

  it("carry the process's resource: service, pod, host and the SDK", async () => {
    const t = await start();
    t.startServerSpan(() => undefined, { "http.request.method": "GET" }).end({ httpStatus: 200 });
    await t.forceFlush();
    const [s] = await receiver!.waitForSpans(1);
    expect(s!.resource).toMatchObject({ "service.name": "web-0.demo", "k8s.pod.name": "web-0", "service.namespace": "demo", "telemetry.sdk.language": "nodejs",
      "telemetry.sdk.name": "opentelemetry" });
    expect(typeof s!.resource["host.name"]).toBe("string");
  });

  it("OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over Weft's own", async () => {
    vi.stubEnv("OTEL_SERVICE_NAME", "storefront");
    vi.stubEnv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging,k8s.pod.name=override%2C1,service.name=ignored");
    const t = await start();
    t.startServerSpan(() => undefined, { "http.request.method": "GET" }).end({ httpStatus: 200 });
    await t.forceFlush();
    const [s] = await receiver!.waitForSpans(1);
    expect(s!.resource).toMatchObject({ "service.name": "storefront", "deployment.environment.name": "staging", "k8s.pod.name": "override,1", "service.namespace": "demo" });
  });

  it("start and end on one sub-millisecond clock, and a client span never ends after its server span", async () => {
    const t = await start();
    const ends: number[] = [];
    for (let i = 0; i < 20; i++) {
      const server = t.startServerSpan(() => undefined, { "http.request.method": "GET" });
      const client = t.startClientSpan(server, { "http.request.method": "GET" });
      ends.push(spanClockMs());
      server.end({ httpStatus: 200 });
      client.end({ httpStatus: 200 });
    }
    await t.forceFlush();
    const spans = await receiver!.waitForSpans(40);
    // Date.now()-based starts are whole milliseconds: 40 of them never are when the clock is sub-millisecond.
    expect(spans.filter((s) => s.startNs % 1_000_000n !== 0n).length).toBeGreaterThan(30);
    for (const c of spans.filter((s) => s.kind === 3)) {
      const p = spans.find((s) => s.spanId === c.parentSpanId)!;
      expect(c.startNs >= p.startNs && c.endNs <= p.endNs, `client ${c.startNs}..${c.endNs} inside server ${p.startNs}..${p.endNs}`).toBe(true);
    }
  });

  it("an explicit end time (the moment an answer completed) is kept", async () => {
    const t = await start();
    const server = t.startServerSpan(() => undefined, { "http.request.method": "GET" });
    const at = spanClockMs();
    for (let i = 0; i < 1e5; i++) Math.sqrt(i);
    server.end({ httpStatus: 200 }, at);
    await t.forceFlush();
    const [s] = await receiver!.waitForSpans(1);
    expect(Number(s!.endNs) / 1e6).toBeCloseTo(at, 2);
  });

  it("Weft's reason: weft.error always, error.type when the span failed; a gRPC server span keeps its HTTP status", async () => {
    const t = await start();
    const noRoute = t.startServerSpan(() => undefined, { "http.request.method": "GET" });
    noRoute.recordReason("no_route");
    noRoute.end({ httpStatus: 404 });
    const down = t.startServerSpan(() => undefined, { "http.request.method": "GET" });
    const call = t.startClientSpan(down, { "http.request.method": "GET" });
    call.recordReason("no_endpoints");
    call.end({ httpStatus: 503 });
    down.recordReason("no_endpoints");
    down.end({ httpStatus: 503 });
    const app500 = t.startServerSpan(() => undefined, { "http.request.method": "GET" });
    app500.end({ httpStatus: 500 });
    const grpc = t.startServerSpan(() => undefined, { "rpc.system": "grpc", "rpc.service": "s.S", "rpc.method": "M" });
    grpc.end({ grpcStatus: 14, httpStatus: 200 });
    await t.forceFlush();
    const spans = await receiver!.waitForSpans(5);
    const by = (id: string) => spans.find((s) => s.spanId === id)!;
    expect(by(noRoute.spanId)).toMatchObject({ statusCode: 0, attributes: { "weft.error": "no_route", "http.response.status_code": 404 } });
    expect(by(noRoute.spanId).attributes["error.type"]).toBeUndefined();
    for (const s of [by(call.spanId), by(down.spanId)])
      expect(s).toMatchObject({ statusCode: 2, statusMessage: "no_endpoints", attributes: { "weft.error": "no_endpoints", "error.type": "no_endpoints" } });
    expect(by(app500.spanId)).toMatchObject({ statusCode: 2, attributes: { "error.type": "500" } });
    expect(by(grpc.spanId)).toMatchObject({ statusCode: 2, attributes: { "rpc.grpc.status_code": 14, "http.response.status_code": 200, "error.type": "14" } });
  });
});
