// sampled-span: a SampledSpan (the plain object a sampled request records into) exports exactly what the
// OpenTelemetry SDK's Span exported for the same calls. Each case records one span both ways — a SampledSpan,
// and an SDK Span (BasicTracerProvider with the same resource, attribute limits and ids) driven as the tracer's
// former SDK span handle drove it (attributes, route and rename, reason, outcome status and attributes, end
// time, a child never outliving its parent) — encodes both with the OTLP/JSON and the protobuf codec, and
// compares the decoded requests: ids, parent, trace state, flags, name, kind, times, attributes (count and
// length limits, dropped count), status, resource and scope. Random attributes (over the count limit, over the
// length limit, lists, empty keys, null, values that are not attribute values), outcomes, parents and times.
import { join } from "node:path";
import type { Context, Span as OtelSpan, SpanContext } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { otelApiPackage as otelApi, otelCore, otelResources, otelSdk } from "../../pkg/telemetry/otel-modules.ts";
import { jsonCodec, protobufCodec, type SpanCodec } from "../../pkg/telemetry/otlp-span-codecs.ts";
import { SampledSpan, type SampledSpanShared } from "../../pkg/telemetry/sampled-span.ts";
import { errorTypeOf, isErrorOutcome, spanNameOf, type SpanAttributes, type SpanOutcome, type SpanRole } from "../../pkg/telemetry/span-attributes.ts";
import { MAX_ATTRIBUTE_COUNT, MAX_ATTRIBUTE_LENGTH } from "../../pkg/telemetry/tracing.ts";
import { fcParams } from "../support/fast-check-env.ts";

const api = otelApi();
const resource = otelResources().resourceFromAttributes({ "service.name": "reviews.shop", "k8s.pod.name": "reviews-1" });

/** The SDK side: a provider with the tracer's limits, whose ids are the ones the case sets. */
const ids = { traceId: "", spanId: "" };
const memory = new (otelSdk().InMemorySpanExporter)();
const provider = new (otelSdk().BasicTracerProvider)({
  resource,
  idGenerator: { generateTraceId: () => ids.traceId, generateSpanId: () => ids.spanId },
  spanLimits: { attributeValueLengthLimit: MAX_ATTRIBUTE_LENGTH, attributeCountLimit: MAX_ATTRIBUTE_COUNT },
  spanProcessors: [new (otelSdk().SimpleSpanProcessor)(memory)],
});
const tracer = provider.getTracer("weft");

/** The tracer's former SDK span handle (tracing.ts before SampledSpan), driving an SDK Span. */
class SdkHandle {
  private reason: string | undefined;
  endedAtMs: number | undefined;
  private readonly httpServerMethod: string | undefined;
  readonly span: OtelSpan;
  private readonly role: SpanRole;
  private readonly parent: SdkHandle | undefined;
  constructor(span: OtelSpan, role: SpanRole, attrs: SpanAttributes, parent?: SdkHandle) {
    this.span = span;
    this.role = role;
    this.parent = parent;
    const method = attrs["http.request.method"];
    this.httpServerMethod = role === "server" && attrs["rpc.service"] === undefined && typeof method === "string" ? method : undefined;
  }
  setAttributes(attrs: SpanAttributes): void {
    this.span.setAttributes(attrs);
  }
  setRoute(route: string): void {
    this.span.setAttribute("http.route", route);
    if (this.httpServerMethod !== undefined) this.span.updateName(spanNameOf({ "http.request.method": this.httpServerMethod, "http.route": route }, this.httpServerMethod));
  }
  recordReason(reason: string): void {
    this.reason = reason;
  }
  end(outcome: SpanOutcome | undefined, atMs: number): void {
    const o = this.reason === undefined || outcome?.reason !== undefined ? outcome : { ...outcome, reason: this.reason };
    if (o !== undefined) {
      if (o.httpStatus !== undefined) this.span.setAttribute("http.response.status_code", o.httpStatus);
      if (o.grpcStatus !== undefined) this.span.setAttribute("rpc.grpc.status_code", o.grpcStatus);
      if (o.reason !== undefined) this.span.setAttribute("weft.error", o.reason);
      if (isErrorOutcome(this.role, o)) {
        const message = o.error ?? o.reason;
        this.span.setStatus(message === undefined ? { code: api.SpanStatusCode.ERROR } : { code: api.SpanStatusCode.ERROR, message });
        this.span.setAttribute("error.type", errorTypeOf(o));
      }
    }
    const parentEnd = this.parent?.endedAtMs;
    this.endedAtMs = parentEnd !== undefined && parentEnd < atMs ? parentEnd : atMs;
    this.span.end(this.endedAtMs);
  }
}

type Op = { set: Record<string, unknown> } | { route: string } | { reason: string };
interface SpanCase {
  name: string;
  attrs: Record<string, unknown>;
  ops: Op[];
  outcome: SpanOutcome | undefined;
  startMs: number;
  endDeltaMs: number;
}
interface Case {
  parent: "root" | "remote" | "remote-tracestate";
  server: SpanCase;
  client: SpanCase | undefined;
}

const hex = (len: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${len}}$`)).filter((s) => !/^0+$/.test(s));
const longText = fc.integer({ min: MAX_ATTRIBUTE_LENGTH - 2, max: MAX_ATTRIBUTE_LENGTH + 40 }).map((n) => "é".repeat(n));
const value = fc.oneof(
  fc.string({ maxLength: 12 }),
  longText,
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), longText), { maxLength: 3 }),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant({ not: "an attribute value" }),
  fc.constant([1, "mixed"]),
);
const key = fc.oneof(fc.constantFrom("http.request.method", "http.route", "url.path", "weft.route", "http.response.status_code", ""), fc.string({ minLength: 1, maxLength: 4 }));
const attrs = (maxKeys: number) => fc.dictionary(key, value, { maxKeys, noNullPrototype: true });
/** Valid attributes around the count limit (64). */
const manyAttrs = fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), {
  minKeys: MAX_ATTRIBUTE_COUNT - 3,
  maxKeys: MAX_ATTRIBUTE_COUNT + 3,
  noNullPrototype: true,
});
const outcome: fc.Arbitrary<SpanOutcome | undefined> = fc.option(
  fc.record({ httpStatus: fc.constantFrom(200, 404, 503), grpcStatus: fc.constantFrom(0, 2, 14), error: fc.string({ maxLength: 8 }), reason: fc.constantFrom("no_route", "upstream_reset") }, {
    requiredKeys: [],
  }),
  { nil: undefined },
);
const spanCase: fc.Arbitrary<SpanCase> = fc.record({
  name: fc.string({ maxLength: 12 }),
  attrs: fc.oneof(attrs(8), manyAttrs),
  ops: fc.array(fc.oneof(attrs(6).map((set) => ({ set })), fc.string({ maxLength: 8 }).map((route) => ({ route })), fc.constantFrom("a", "b").map((reason) => ({ reason }))), { maxLength: 4 }),
  outcome,
  startMs: fc.double({ min: 1.7e12, max: 1.8e12, noNaN: true }),
  endDeltaMs: fc.double({ min: -3, max: 50, noNaN: true }),
});
const cases = fc.record({
  parent: fc.constantFrom<Case["parent"]>("root", "remote", "remote-tracestate"),
  server: spanCase.map((s) => ({ ...s, attrs: { "http.request.method": "GET", ...s.attrs } })),
  client: fc.option(spanCase, { nil: undefined }),
});

const shared = (ended: ReadableSpan[]): SampledSpanShared => ({
  resource,
  scope: { name: "weft" },
  attributeCountLimit: MAX_ATTRIBUTE_COUNT,
  attributeValueLengthLimit: MAX_ATTRIBUTE_LENGTH,
  onEnd: (s) => ended.push(s),
});

/** Records the case both ways; gives the two ended spans of each kind (SDK first). */
function recordBoth(c: Case, traceId: string, spanIds: [string, string], parentSpanId: string): { sdk: ReadableSpan[]; light: ReadableSpan[] } {
  memory.reset();
  const light: ReadableSpan[] = [];
  const sh = shared(light);
  let parentCtx: Context = api.ROOT_CONTEXT;
  let parentSc: SpanContext | undefined;
  if (c.parent !== "root") {
    parentSc = { traceId, spanId: parentSpanId, traceFlags: 1, isRemote: true };
    if (c.parent === "remote-tracestate") parentSc.traceState = new (otelCore().TraceState)("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
    parentCtx = api.trace.setSpanContext(api.ROOT_CONTEXT, parentSc);
  }
  const ctxOf = (spanId: string, p: SpanContext | undefined): SpanContext => {
    const sc: SpanContext = { traceId, spanId, traceFlags: 1 };
    if (p?.traceState !== undefined) sc.traceState = p.traceState;
    return sc;
  };
  const run = (s: SpanCase, role: SpanRole, spanId: string, sdkParent: SdkHandle | undefined, lightParent: SampledSpan | undefined) => {
    ids.traceId = traceId;
    ids.spanId = spanId;
    const kind = role === "server" ? api.SpanKind.SERVER : api.SpanKind.CLIENT;
    const attrsIn = s.attrs as SpanAttributes;
    const sdkCtx = sdkParent === undefined ? parentCtx : api.trace.setSpan(parentCtx, sdkParent.span);
    const sdk = new SdkHandle(tracer.startSpan(s.name, { kind, attributes: attrsIn, startTime: s.startMs }, sdkCtx), role, attrsIn, sdkParent);
    const lp = lightParent?.spanContext() ?? parentSc;
    const lt = new SampledSpan(sh, s.name, role, ctxOf(spanId, lp), lp, attrsIn, s.startMs, parentCtx, true, lightParent);
    for (const op of s.ops) {
      if ("set" in op) {
        sdk.setAttributes(op.set as SpanAttributes);
        lt.setAttributes(op.set as SpanAttributes);
      } else if ("route" in op) {
        sdk.setRoute(op.route);
        lt.setRoute(op.route);
      } else {
        sdk.recordReason(op.reason);
        lt.recordReason(op.reason);
      }
    }
    return { sdk, lt };
  };
  const server = run(c.server, "server", spanIds[0], undefined, undefined);
  if (c.client !== undefined) {
    const client = run(c.client, "client", spanIds[1], server.sdk, server.lt);
    server.sdk.end(c.server.outcome, c.server.startMs + c.server.endDeltaMs);
    server.lt.end(c.server.outcome, c.server.startMs + c.server.endDeltaMs);
    client.sdk.end(c.client.outcome, c.client.startMs + c.client.endDeltaMs);
    client.lt.end(c.client.outcome, c.client.startMs + c.client.endDeltaMs);
  } else {
    server.sdk.end(c.server.outcome, c.server.startMs + c.server.endDeltaMs);
    server.lt.end(c.server.outcome, c.server.startMs + c.server.endDeltaMs);
  }
  return { sdk: memory.getFinishedSpans(), light };
}

const json = jsonCodec(), pb = protobufCodec();
const protoRoot = (await import("protobufjs")).loadSync(join(import.meta.dirname, "../support/otlp/trace-service.proto"));
const Request = protoRoot.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");

/** The OTLP request a codec builds for `spans`, decoded. */
function exported(codec: SpanCodec, spans: ReadableSpan[]): unknown {
  const pieces = spans.map((s) => codec.encode(s));
  if (codec.separator === undefined) {
    const body = codec.envelope(spans[0]!).wrap(Buffer.concat(pieces.map((p) => Buffer.from(p as Uint8Array))), spans.length);
    return Request.toObject(Request.decode(body), { longs: String, bytes: String, defaults: true, arrays: true });
  }
  return JSON.parse(codec.envelope(spans[0]!).wrap(Buffer.from(pieces.join(",")), spans.length).toString("utf8"));
}

describe("a SampledSpan exports what the SDK's Span exported for the same calls", () => {
  it("over OTLP/JSON and protobuf: ids, parent, trace state, flags, name, kind, times, attributes and their limits, status, resource, scope", () => {
    fc.assert(
      fc.property(cases, hex(32), hex(16), hex(16), hex(16), (c, traceId, s1, s2, p) => {
        fc.pre(s1 !== s2);
        const { sdk, light } = recordBoth(c, traceId, [s1, s2], p);
        expect(light.length).toBe(sdk.length);
        for (const codec of [json, pb]) expect(exported(codec, light)).toEqual(exported(codec, sdk));
      }),
      fcParams(150),
    );
  });

  it("the comparison sees a difference in an attribute, a time, the parent, the status or the kind", () => {
    const c: Case = {
      parent: "remote-tracestate",
      server: { name: "GET", attrs: { "http.request.method": "GET", "url.path": "/a" }, ops: [{ route: "/a" }], outcome: { httpStatus: 503 }, startMs: 1.75e12 + 0.25, endDeltaMs: 2.5 },
      client: { name: "GET", attrs: { "weft.attempt": 0 }, ops: [], outcome: { httpStatus: 503, reason: "upstream_reset" }, startMs: 1.75e12 + 0.5, endDeltaMs: 1 },
    };
    const ids: [string, string, string, string] = ["4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "b7ad6b7169203331", "e457b5a2e4d86bd1"];
    const { sdk, light } = recordBoth(c, ids[0], [ids[1], ids[2]], ids[3]);
    for (const codec of [json, pb]) expect(exported(codec, light)).toEqual(exported(codec, sdk));
    const changed: [string, (s: SampledSpan) => void][] = [
      ["attribute", (s) => (s.attributes["url.path"] = "/b")],
      ["end time", (s) => (s.endTime = [s.endTime[0], s.endTime[1] + 1])],
      ["start time", (s) => (s.startTime[1] += 1)],
      ["parent", (s) => Object.assign(s, { parentSpanContext: undefined })],
      ["status", (s) => (s.status = { code: 1 })],
      ["kind", (s) => Object.assign(s, { kind: 3 })],
    ];
    for (const [what, change] of changed) {
      const { sdk: sdk2, light: light2 } = recordBoth(c, ids[0], [ids[1], ids[2]], ids[3]);
      change(light2[0] as SampledSpan);
      for (const codec of [json, pb]) expect(exported(codec, light2), what).not.toEqual(exported(codec, sdk2));
    }
  });
});
