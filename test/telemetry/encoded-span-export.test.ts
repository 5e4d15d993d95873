// encoded-span-export: spans encoded at their end reach the OTLP/HTTP endpoint as the very request the SDK's
// OTLP/HTTP exporter would send for them (same resource, scope, ids, parents, names, kinds, times,
// attributes, events, links, status, trace state: compared with OpenTelemetry's JsonTraceSerializer over the
// same spans, recorded beside them by an in-memory exporter); a batch goes out when it is full and after
// the delay; unsampled spans are not sent; an ended span is not kept by the processor. The protobuf codec
// (gRPC) builds, from spans encoded one by one, the request OpenTelemetry's protobuf serializer gives for them
// (decoded with test/support/otlp/trace-service.proto and compared).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { EncodedSpanProcessor } from "../../pkg/telemetry/encoded-span-export.ts";
import { otelApiPackage as otelApi, otelCore, otelResources, otelSdk, otlpTraceSerializers } from "../../pkg/telemetry/otel-modules.ts";
import { protobufCodec } from "../../pkg/telemetry/otlp-span-codecs.ts";

interface Sink {
  url: string;
  bodies: string[];
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/v1/traces" && req.headers["content-type"] === "application/json") bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function setup(sink: Sink, opts: { maxBatchSpans?: number; delayMs?: number; ratio?: number } = {}) {
  const sdk = otelSdk();
  const memory = new sdk.InMemorySpanExporter();
  const encoded = new EncodedSpanProcessor({ url: sink.url, protocol: "http", maxBatchSpans: opts.maxBatchSpans ?? 128, delayMs: opts.delayMs ?? 60_000, concurrencyLimit: 8 });
  const provider = new sdk.BasicTracerProvider({
    resource: otelResources().resourceFromAttributes({ "service.name": "weft-encoded", "k8s.pod.name": "web-1", "weft.note": 'quote " and \u00e9' }),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(opts.ratio ?? 1) }),
    spanProcessors: [encoded, new sdk.SimpleSpanProcessor(memory)],
  });
  return { provider, memory, tracer: provider.getTracer("weft") };
}

/** The spans of OTLP/JSON request bodies, by span id, with the resource and scope they came under. */
function spansOf(bodies: string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const b of bodies) {
    const req = JSON.parse(b) as { resourceSpans: { resource: unknown; schemaUrl?: string; scopeSpans: { scope: unknown; schemaUrl?: string; spans: { spanId: string }[] }[] }[] };
    for (const rs of req.resourceSpans)
      for (const ss of rs.scopeSpans) for (const s of ss.spans) out.set(s.spanId, { resource: rs.resource, rsSchema: rs.schemaUrl, scope: ss.scope, ssSchema: ss.schemaUrl, span: s });
  }
  return out;
}

/** A sampled remote parent with a trace state, as a sidecar receives it in traceparent/tracestate. */
function remoteParent() {
  const api = otelApi();
  return api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    traceFlags: 1,
    isRemote: true,
    traceState: new (otelCore().TraceState)("vendor=abc,other=1"),
  });
}

describe("spans encoded at their end, exported over OTLP/HTTP", () => {
  let sink: Sink | undefined;
  afterEach(async () => {
    await sink?.close();
    sink = undefined;
  });

  it("sends what OpenTelemetry's OTLP/HTTP JSON serializer gives for the same spans", async () => {
    sink = await startSink();
    const { provider, memory, tracer } = setup(sink);
    const api = otelApi();
    const parent = remoteParent();
    const server = tracer.startSpan("GET /reviews/{id}", { kind: api.SpanKind.SERVER, attributes: { "http.request.method": "GET", "url.path": '/reviews/1?q=\u00e9"', "weft.rule": 0 } }, parent);
    const client = tracer.startSpan("GET", { kind: api.SpanKind.CLIENT, attributes: { "weft.attempt": 1, "weft.backend": "default/reviews-v1:9080" },
      links: [{ context: server.spanContext(), attributes: { why: "retry" } }] }, api.trace.setSpan(parent, server));
    client.addEvent("retry", { "weft.attempt": 2 });
    client.setStatus({ code: api.SpanStatusCode.ERROR, message: "upstream_unavailable" });
    client.setAttribute("http.response.status_code", 503);
    client.end();
    server.setAttribute("http.response.status_code", 200);
    server.end();
    const root = tracer.startSpan("new trace", { attributes: { list: ["a", "b"], ok: true, ratio: 0.5 } });
    root.end();
    await provider.forceFlush();
    expect(sink.bodies.length).toBe(1);
    const finished = memory.getFinishedSpans();
    expect(finished.length).toBe(3);
    const expected = spansOf([Buffer.from(otlpTraceSerializers().JsonTraceSerializer.serializeRequest(finished)!).toString("utf8")]);
    const got = spansOf(sink.bodies);
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, e] of expected) expect(got.get(id)).toEqual(e);
    // One resource and one scope around all three, as the SDK's exporter groups them.
    const req = JSON.parse(sink.bodies[0]!) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    expect(req.resourceSpans.length).toBe(1);
    expect(req.resourceSpans[0]!.scopeSpans.length).toBe(1);
    expect(req.resourceSpans[0]!.scopeSpans[0]!.spans.length).toBe(3);
    await provider.shutdown();
  });

  it("sends a batch when it holds maxBatchSpans spans, and the rest after the delay", async () => {
    sink = await startSink();
    const s = sink;
    const { provider, tracer } = setup(s, { maxBatchSpans: 4, delayMs: 100 });
    for (let i = 0; i < 10; i++) tracer.startSpan(`s${i}`).end();
    await until("two full batches", () => s.bodies.length >= 2);
    const counts = () => s.bodies.map((b) => spansOf([b]).size);
    expect(counts().slice(0, 2)).toEqual([4, 4]);
    await until("the rest after the delay", () => s.bodies.length === 3);
    expect(counts()).toEqual([4, 4, 2]);
    await provider.shutdown();
  });

  it("sends no unsampled span", async () => {
    sink = await startSink();
    const { provider, memory, tracer } = setup(sink, { ratio: 0 });
    tracer.startSpan("dropped").end();
    const api = otelApi();
    const sampledParent = api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1, isRemote: true });
    tracer.startSpan("kept", {}, sampledParent).end();
    await provider.forceFlush();
    expect(memory.getFinishedSpans().map((s) => s.name)).toEqual(["kept"]);
    expect([...spansOf(sink.bodies).values()].map((v) => (v as { span: { name: string } }).span.name)).toEqual(["kept"]);
    await provider.shutdown();
  });

  it("keeps no ended span: the SDK span can be collected before its batch is sent", async () => {
    sink = await startSink();
    const sdk = otelSdk();
    const encoded = new EncodedSpanProcessor({ url: sink.url, protocol: "http", maxBatchSpans: 128, delayMs: 60_000, concurrencyLimit: 8 });
    const provider = new sdk.BasicTracerProvider({ spanProcessors: [encoded] });
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const refs: WeakRef<object>[] = [];
    ((): void => {
      for (let i = 0; i < 20; i++) {
        const span = provider.getTracer("weft").startSpan(`s${i}`, { attributes: { i } });
        span.end();
        refs.push(new WeakRef(span));
      }
    })();
    const deadline = Date.now() + 5000;
    while (refs.some((r) => r.deref() !== undefined) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      gc();
    }
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
    await provider.forceFlush();
    expect(spansOf(sink.bodies).size).toBe(20);
    await provider.shutdown();
  });
});

describe("the OTLP protobuf codec (gRPC export)", () => {
  it("builds from spans encoded one by one the request OpenTelemetry's protobuf serializer gives for them", async () => {
    const protobuf = await import("protobufjs");
    const root = protobuf.loadSync(join(import.meta.dirname, "../support/otlp/trace-service.proto"));
    const Request = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
    const decode = (b: Uint8Array) => Request.toObject(Request.decode(b), { longs: String, bytes: String, defaults: true, arrays: true });
    const sdk = otelSdk();
    const memory = new sdk.InMemorySpanExporter();
    const provider = new sdk.BasicTracerProvider({
      resource: otelResources().resourceFromAttributes({ "service.name": "weft-encoded", "k8s.pod.name": "web-1", "weft.note": 'quote " and \u00e9' }),
      spanProcessors: [new sdk.SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer("weft", "1.2.3");
    const api = otelApi();
    const parent = remoteParent();
    const server = tracer.startSpan("GET /reviews/{id}", { kind: api.SpanKind.SERVER, attributes: { "http.request.method": "GET", "url.path": "/r/1?q=\u00e9", "weft.rule": 0 } }, parent);
    const client = tracer.startSpan("GET", { kind: api.SpanKind.CLIENT, attributes: { "weft.attempt": 1 }, links: [{ context: server.spanContext(), attributes: { why: "retry" } }] },
      api.trace.setSpan(parent, server));
    client.addEvent("retry", { "weft.attempt": 2 });
    client.setStatus({ code: api.SpanStatusCode.ERROR, message: "upstream_unavailable" });
    client.end();
    server.end();
    // Large enough that lengths take more than one varint byte.
    tracer.startSpan("big", { attributes: { list: ["a", "b"], ok: true, ratio: 0.5, long: "x".repeat(300) } }).end();
    const spans = memory.getFinishedSpans();
    expect(spans.length).toBe(3);
    const codec = protobufCodec();
    const pieces = Buffer.concat(spans.map((s) => Buffer.from(codec.encode(s) as Uint8Array)));
    const body = codec.envelope(spans[0]!).wrap(pieces, spans.length);
    const expected = decode(otlpTraceSerializers().ProtobufTraceSerializer.serializeRequest(spans)!);
    expect(decode(body)).toEqual(expected);
    expect((expected as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans.length).toBe(3);
    await provider.shutdown();
  });
});
