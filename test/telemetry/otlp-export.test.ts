// Spans reach a real OTLP receiver (HTTP/JSON and gRPC) with the parent/child chain continued
// from the incoming traceparent, tracestate kept, semantic-convention and weft.* attributes, and
// error status per the semconv rules; a flush of a full queue delivers every span.
import { afterEach, describe, expect, it } from "vitest";
import { initTracing, type Tracing } from "../../pkg/telemetry/index.ts";
import { startGrpcReceiver, startHttpReceiver, type OtlpReceiver } from "../support/otlp/otlp-receiver.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";

describe.each([
  ["http", startHttpReceiver],
  ["grpc", startGrpcReceiver],
] as const)("OTLP export over %s", (protocol, start) => {
  let receiver: OtlpReceiver | undefined;
  let tracing: Tracing | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
    await receiver?.close();
  });

  it("exports a server span and a client span chained under the propagated parent", async () => {
    receiver = await start();
    tracing = initTracing({ serviceName: `weft-test-${protocol}`, protocol, otlpEndpoint: receiver.endpoint, samplingRatio: 0, propagators: ["tracecontext", "baggage"], exportDelayMs: 50 });
    const incoming: Record<string, string> = { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate: "vendor=abc,other=1" };
    const server = tracing.startServerSpan((n) => incoming[n], {
      "http.request.method": "GET",
      "http.route": "/reviews",
      "url.path": "/reviews/1",
      "server.address": "reviews.default",
      "weft.route": "HTTPRoute/default/reviews",
      "weft.rule": 0,
      "weft.config.version": "v42",
      "weft.peer.identity": "spiffe://cluster.local/ns/default/sa/web",
    });
    const client = tracing.startClientSpan(server, { "http.request.method": "GET", "weft.backend": "default/reviews-v1:9080", "weft.attempt": 1 });
    client.end({ httpStatus: 503 });
    server.end({ httpStatus: 200 });
    await tracing.forceFlush();
    const spans = await receiver.waitForSpans(2);
    const s = spans.find((x) => x.kind === 2);
    const c = spans.find((x) => x.kind === 3);
    expect(s).toBeDefined();
    expect(c).toBeDefined();
    expect(s!.serviceName).toBe(`weft-test-${protocol}`);
    expect(s!.traceId).toBe(TRACE_ID);
    expect(s!.parentSpanId).toBe(PARENT_ID);
    expect(s!.spanId).toBe(server.spanId);
    expect(s!.traceState).toBe("vendor=abc,other=1");
    expect(s!.name).toBe("GET /reviews");
    expect(s!.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.route": "/reviews",
      "url.path": "/reviews/1",
      "server.address": "reviews.default",
      "http.response.status_code": 200,
      "weft.route": "HTTPRoute/default/reviews",
      "weft.rule": 0,
      "weft.config.version": "v42",
      "weft.peer.identity": "spiffe://cluster.local/ns/default/sa/web",
    });
    expect(s!.statusCode).toBe(0);
    expect(c!.traceId).toBe(TRACE_ID);
    expect(c!.parentSpanId).toBe(s!.spanId);
    expect(c!.attributes).toMatchObject({ "weft.backend": "default/reviews-v1:9080", "weft.attempt": 1, "http.response.status_code": 503 });
    expect(c!.statusCode).toBe(2);
  });

  it("exports gRPC attributes and marks a server span failed only for server-side gRPC codes", async () => {
    receiver = await start();
    tracing = initTracing({ serviceName: "weft-grpc-attrs", protocol, otlpEndpoint: receiver.endpoint, samplingRatio: 1, propagators: ["tracecontext"], exportDelayMs: 50 });
    const attrs = { "rpc.system": "grpc", "rpc.service": "helloworld.Greeter", "rpc.method": "SayHello" } as const;
    const notFound = tracing.startServerSpan(() => undefined, attrs);
    notFound.end({ grpcStatus: 5 });
    const unavailable = tracing.startServerSpan(() => undefined, attrs);
    unavailable.end({ grpcStatus: 14, error: "upstream_unavailable" });
    await tracing.forceFlush();
    const spans = await receiver.waitForSpans(2);
    const byId = new Map(spans.map((x) => [x.spanId, x]));
    expect(byId.get(notFound.spanId)?.name).toBe("helloworld.Greeter/SayHello");
    expect(byId.get(notFound.spanId)?.traceId).toBe(notFound.traceId);
    expect(byId.get(unavailable.spanId)?.traceId).toBe(unavailable.traceId);
    expect(byId.get(notFound.spanId)?.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.service": "helloworld.Greeter", "rpc.method": "SayHello", "rpc.grpc.status_code": 5 });
    expect(byId.get(notFound.spanId)?.statusCode).toBe(0);
    expect(byId.get(unavailable.spanId)?.statusCode).toBe(2);
    expect(byId.get(unavailable.spanId)?.statusMessage).toBe("upstream_unavailable");
    expect(byId.get(unavailable.spanId)?.parentSpanId).toBe("");
  });

  it("cuts attacker-sized attribute values to 1024 characters", async () => {
    receiver = await start();
    tracing = initTracing({ serviceName: "weft-limits", protocol, otlpEndpoint: receiver.endpoint, samplingRatio: 1, propagators: ["tracecontext"], exportDelayMs: 50 });
    const s = tracing.startServerSpan(() => undefined, { "url.path": `/${"a".repeat(100_000)}` });
    s.end({ httpStatus: 200 });
    await tracing.forceFlush();
    const [span] = await receiver.waitForSpans(1);
    expect(String(span!.attributes["url.path"]).length).toBe(1024);
  });

  it("exports nothing for a trace whose propagated flag says not sampled", async () => {
    receiver = await start();
    tracing = initTracing({ serviceName: "weft-unsampled", protocol, otlpEndpoint: receiver.endpoint, samplingRatio: 1, propagators: ["tracecontext"], exportDelayMs: 50 });
    const unsampled = tracing.startServerSpan((n) => (n === "traceparent" ? `00-${TRACE_ID}-${PARENT_ID}-00` : undefined), {});
    tracing.startClientSpan(unsampled, {}).end();
    unsampled.end();
    const marker = tracing.startServerSpan(() => undefined, { "http.request.method": "POST" });
    marker.end();
    await tracing.forceFlush();
    const spans = await receiver.waitForSpans(1);
    expect(spans.map((x) => x.spanId)).toEqual([marker.spanId]);
  });
  it("a flush of a full queue (2048 spans, one export per batch) delivers every span", async () => {
    receiver = await start();
    tracing = initTracing({ serviceName: `weft-test-${protocol}`, protocol, otlpEndpoint: receiver.endpoint, samplingRatio: 1, propagators: ["tracecontext"], exportDelayMs: 60_000 });
    for (let i = 0; i < 2048; i++) tracing.startServerSpan(() => undefined, { "http.request.method": "GET" }).end({ httpStatus: 200 });
    await tracing.forceFlush();
    expect((await receiver.waitForSpans(2048)).length).toBe(2048);
  });
});
