// sampled-span: a sampled span as a small plain object — the span handle the proxy records into, shaped as
// the ReadableSpan fields OpenTelemetry's OTLP serializers read (name, kind, spanContext(), parentSpanContext,
// start and end as HrTime, attributes, events, links, status, resource, instrumentation scope, dropped
// counts) — handed to the span sink (EncodedSpanProcessor.onEnd) at its end, which encodes it with those
// serializers. It records what the SDK's Span records for the same calls, without the SDK's Tracer and Span:
// the same trace flags (sampled, exactly 1), trace state inherited from the parent, parent span context,
// attribute rules (null and undefined values and empty keys skipped, values that are not attribute values
// skipped, at most `attributeCountLimit` distinct keys — later new keys dropped and counted — string values
// and string list items cut to `attributeValueLengthLimit` characters), times (epoch milliseconds as HrTime
// by core's millisToHrTime, an end before the start recorded as the start), status (set once an error, never
// after OK) and name. test/telemetry/sampled-span.test.ts encodes spans made both ways and compares them.
// Why: per sampled span the SDK's Tracer.startSpan and Span (sanitizing the attributes twice, the sampler and
// span processor calls, two clock readings per time, a tracer metrics hook) were about a third of tracing's
// CPU at 100 % sampling (docs/telemetry.md).
// Takes ids, the parent's span context, attributes, a start time, the resource and scope, and the sink;
// gives SampledSpan (a SpanHandle and a ReadableSpan). Must not: throw on a request path, or record after its end.
import type { Attributes, AttributeValue as OtelAttributeValue, Context, HrTime, Link, SpanContext, SpanKind, SpanStatus, SpanStatusCode } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";
import type { InstrumentationScope } from "@opentelemetry/core";
import { otelCore } from "./otel-modules.ts";
import { errorTypeOf, isErrorOutcome, spanNameOf, type SpanAttributes, type SpanOutcome, type SpanRole } from "./span-attributes.ts";
import { spanClockMs } from "./span-clock.ts";
import type { SpanHandle } from "./tracing-types.ts";

/** What every sampled span of one tracer shares. */
export interface SampledSpanShared {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly attributeCountLimit: number;
  readonly attributeValueLengthLimit: number;
  /** Where a span goes at its end (encoded and batched). */
  readonly onEnd: ((span: ReadableSpan) => void) | undefined;
}

/** SpanKind.SERVER and CLIENT (the API's enum values, without loading the API here). */
const SERVER_KIND = 1 as SpanKind, CLIENT_KIND = 2 as SpanKind;
/** SpanStatusCode UNSET, OK and ERROR. */
const UNSET = 0 as SpanStatusCode, OK = 1 as SpanStatusCode, ERROR = 2 as SpanStatusCode;

/** Core's millisToHrTime: epoch milliseconds to [seconds, nanoseconds]. */
function hrTimeOf(ms: number): HrTime {
  return otelCore().millisToHrTime(ms);
}

function cut(value: OtelAttributeValue, limit: number): OtelAttributeValue {
  if (typeof value === "string") return value.length <= limit ? value : value.substring(0, limit);
  if (Array.isArray(value)) return value.map((v: unknown) => (typeof v === "string" && v.length > limit ? v.substring(0, limit) : v)) as OtelAttributeValue;
  return value;
}

export class SampledSpan implements SpanHandle, ReadableSpan {
  readonly sampled = true;
  readonly traceId: string;
  readonly spanId: string;
  name: string;
  readonly kind: SpanKind;
  readonly role: SpanRole;
  private readonly ctx: SpanContext;
  readonly parentSpanContext?: SpanContext;
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  status: SpanStatus = { code: UNSET };
  readonly attributes: Attributes = {};
  readonly links: Link[] = [];
  readonly events: TimedEvent[] = [];
  /** Mutable only for the protobuf codec, which encodes a span under an empty resource (otlp-span-codecs.ts). */
  resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  ended = false;
  /** The parent Context this span was started under (its baggage, for inject). */
  readonly parentContext: Context;
  /** The parent Context holds nothing but baggage read by readHeaderContext (or is the root): injectSampled writes what the propagators would. */
  readonly plain: boolean;
  /** When the span ended (spanClockMs). */
  endedAtMs: number | undefined;
  private readonly startMs: number;
  private readonly shared: SampledSpanShared;
  private attributeCount = 0;
  /** The request method of an HTTP server span (renamed `{method} {route}` by setRoute); else undefined. */
  private readonly httpServerMethod: string | undefined;
  /** Weft's reason recorded before the end (recordReason). */
  private reason: string | undefined;
  /** The span this one was started under in this process (a client span's server span). */
  private readonly parentHandle: SampledSpan | undefined;

  constructor(
    shared: SampledSpanShared,
    name: string,
    role: SpanRole,
    ctx: SpanContext,
    parentSpanContext: SpanContext | undefined,
    attrs: SpanAttributes,
    startMs: number,
    parentContext: Context,
    plain: boolean,
    parentHandle?: SampledSpan,
  ) {
    this.shared = shared;
    this.name = name;
    this.role = role;
    this.kind = role === "server" ? SERVER_KIND : CLIENT_KIND;
    this.ctx = ctx;
    this.traceId = ctx.traceId;
    this.spanId = ctx.spanId;
    if (parentSpanContext !== undefined) this.parentSpanContext = parentSpanContext;
    this.startMs = startMs;
    this.startTime = hrTimeOf(startMs);
    this.resource = shared.resource;
    this.instrumentationScope = shared.scope;
    this.parentContext = parentContext;
    this.plain = plain;
    this.parentHandle = parentHandle;
    const method = attrs["http.request.method"];
    this.httpServerMethod = role === "server" && attrs["rpc.service"] === undefined && typeof method === "string" ? method : undefined;
    this.put(attrs);
  }

  spanContext(): SpanContext {
    return this.ctx;
  }

  get duration(): HrTime {
    return this.ended ? otelCore().hrTimeDuration(this.startTime, this.endTime) : [-1, -1];
  }

  /** The SDK Span's setAttributes: its setAttribute rules, key by key. */
  private put(attrs: Readonly<Record<string, unknown>>): void {
    for (const key in attrs) if (Object.prototype.hasOwnProperty.call(attrs, key)) this.putOne(key, attrs[key]);
  }

  /** The SDK Span's setAttribute. */
  private putOne(key: string, value: unknown): void {
    if (value === null || value === undefined || key.length === 0) return;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean" && !otelCore().isAttributeValue(value)) return;
    const isNew = !Object.prototype.hasOwnProperty.call(this.attributes, key);
    if (isNew && this.attributeCount >= this.shared.attributeCountLimit) {
      this.droppedAttributesCount++;
      return;
    }
    this.attributes[key] = cut(value, this.shared.attributeValueLengthLimit);
    if (isNew) this.attributeCount++;
  }

  setAttributes(attrs: SpanAttributes): void {
    if (!this.ended) this.put(attrs);
  }

  setRoute(route: string): void {
    if (this.ended) return;
    this.putOne("http.route", route);
    if (this.httpServerMethod !== undefined) this.name = spanNameOf({ "http.request.method": this.httpServerMethod, "http.route": route }, this.httpServerMethod);
  }

  recordReason(reason: string): void {
    if (!this.ended) this.reason = reason;
  }

  end(outcome?: SpanOutcome, atMs?: number): void {
    if (this.ended) return;
    const o = this.reason === undefined || outcome?.reason !== undefined ? outcome : { ...outcome, reason: this.reason };
    if (o !== undefined) {
      if (o.httpStatus !== undefined) this.putOne("http.response.status_code", o.httpStatus);
      if (o.grpcStatus !== undefined) this.putOne("rpc.grpc.status_code", o.grpcStatus);
      if (o.reason !== undefined) this.putOne("weft.error", o.reason);
      if (isErrorOutcome(this.role, o)) {
        const message = o.error ?? o.reason;
        if (this.status.code !== OK) this.status = message === undefined ? { code: ERROR } : { code: ERROR, message };
        this.putOne("error.type", errorTypeOf(o));
      }
    }
    // A child never outlives its parent: when the request's answer closed first (the client hung up once
    // it had every byte, before the upstream's end was seen), the client span ends with it.
    const parentEnd = this.parentHandle?.endedAtMs;
    const at = atMs ?? spanClockMs();
    this.endedAtMs = parentEnd !== undefined && parentEnd < at ? parentEnd : at;
    // The SDK records an end before the start as the start (duration 0).
    this.endTime = this.endedAtMs < this.startMs ? [this.startTime[0], this.startTime[1]] : hrTimeOf(this.endedAtMs);
    this.ended = true;
    try {
      this.shared.onEnd?.(this);
    } catch (e) {
      otelCore().globalErrorHandler(e as Error);
    }
  }
}
