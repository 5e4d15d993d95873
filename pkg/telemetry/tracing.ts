// tracing: `initTracing(cfg)` gives the tracing facade. Off (no cfg or enabled=false) gives the
// shared no-op facade and creates no SDK object. On, it builds a BasicTracerProvider with a
// parent-based ratio sampler, an OTLP export (HTTP/JSON or gRPC) of spans encoded at their end
// (encoded-span-export.ts), and the configured propagators; contexts are passed explicitly (no global context manager).
// The sampling decision is taken here first (parent's sampled flag, else the ratio sampler's arithmetic on
// a pre-drawn trace id that the SDK then uses, ratio-sampling.ts): sampled requests get SDK spans, dropped
// ones a light handle that propagates the same context at a fraction of the cost. The headers are read
// first by header-context.ts (no OpenTelemetry object per request); a dropped request whose headers it
// could read never touches the OpenTelemetry propagators or sampler; a sampled one gets its parent context
// from that reading and its headers written by header-context.ts too (the propagators' result, without
// running them); a request whose headers it could not read goes through the propagators both ways.
// A dropped request costs what propagation must: no attribute object (they are built by a function only a
// sampled request calls), no getter or setter closure (header objects are read and written in place), no
// context, and nothing kept after the call (docs/telemetry.md, "Cost of an unsampled request").
// The OpenTelemetry packages load when tracing is turned on (otel-modules.ts), never at import:
// only the export transport of the configured protocol loads (gRPC's pulls @grpc/grpc-js).
// Every span starts and ends on one clock, spanClockMs() (span-clock.ts): sub-millisecond, monotonic between
// wall-clock steps, re-anchored after one (the SDK's default start, Date.now(), is cut to whole milliseconds
// while its durations are not, so a child could start before or end after its parent).
// The resource: the SDK's default (telemetry.sdk.*), host.name, the process's own attributes and service
// name (resource.ts), then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (the SDK's env detector), which win.
// Must not: register global providers/propagators, throw on a request path, or log secrets.
import type * as Api from "@opentelemetry/api";
import type { Context, Span, Tracer, TextMapPropagator } from "@opentelemetry/api";
import type { BasicTracerProvider, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { EncodedSpanProcessor } from "./encoded-span-export.ts";
import { otelApi, otelResources, otelSdk } from "./otel-modules.ts";
import { NOOP_SPAN, NOOP_TRACING } from "./noop-tracing.ts";
import { buildPropagator, headerFnGetter, headerSetter } from "./propagation.ts";
import { ratioSamples, ratioUpperBound } from "./ratio-sampling.ts";
import { spanClockMs } from "./span-clock.ts";
import { PooledIdGenerator, UnsampledSpanHandle, randomHexId } from "./unsampled-span.ts";
import { contextOfReading, headerFormatsOf, injectSampled, LightUnsampledSpan, newHeaderReading, readHeaderContext, type HeaderFormats } from "./header-context.ts";
import { errorTypeOf, isErrorOutcome, spanNameOf, type SpanAttributes, type SpanOutcome, type SpanRole } from "./span-attributes.ts";
import {
  validateTracingConfig,
  type HeaderGetter,
  type HeaderRecord,
  type HeaderSetter,
  type HeaderTarget,
  type SpanAttributesOf,
  type SpanHandle,
  type Tracing,
  type TracingConfig,
} from "./tracing-types.ts";

/**
 * Spans per export. Spans are encoded when they end (encoded-span-export.ts), so an export no longer
 * serializes its batch on the event loop (with the SDK's exporter a 128-span batch stalled the loop
 * 0.7–1 ms, a 512-span one 4–11 ms). Each export is still an HTTP request or gRPC call: per span exported,
 * 64-span batches cost about twice the CPU of 512-span ones, 128-span ones 1.2–1.3×. Measured by
 * benchmarks/telemetry/span-cost.bench.ts (export-sync and export-cpu cases); docs/telemetry.md.
 */
export const EXPORT_BATCH_SIZE = 128;
/** Spans that may wait for their export: 2,048, as the SDK's batch queue held. */
const EXPORT_QUEUE_SIZE = 2048;
/** Exports in flight at most: the export delegate fails every export beyond its limit (spans lost). Twice the
 *  queue's batches, so a flush (forceFlush, shutdown) beside exports already on their way still fits. */
const EXPORT_CONCURRENCY = (2 * EXPORT_QUEUE_SIZE) / EXPORT_BATCH_SIZE;

/** Longest string attribute value exported; longer values are cut. */
export const MAX_ATTRIBUTE_LENGTH = 1024;

class SdkSpanHandle implements SpanHandle {
  readonly span: Span;
  readonly parentContext: Context;
  readonly role: SpanRole;
  readonly sampled: boolean;
  readonly traceId: string;
  readonly spanId: string;
  readonly api: typeof Api;
  /** The request method of an HTTP server span (renamed `{method} {route}` by setRoute); else undefined. */
  private readonly httpServerMethod: string | undefined;
  /** Weft's reason recorded before the end (recordReason). */
  private reason: string | undefined;
  /** The span this one was started under in this process (a client span's server span). */
  private readonly parentHandle: SdkSpanHandle | undefined;
  /** The parent context was made by contextOfReading (or is the root): injectSampled writes what the propagators would. */
  readonly plain: boolean;
  /** When the span ended (spanClockMs). */
  endedAtMs: number | undefined;
  ended = false;

  constructor(api: typeof Api, span: Span, parentContext: Context, role: SpanRole, attrs: SpanAttributes, plain: boolean, parentHandle?: SdkSpanHandle) {
    this.api = api;
    this.plain = plain;
    this.parentHandle = parentHandle;
    this.span = span;
    this.parentContext = parentContext;
    this.role = role;
    const method = attrs["http.request.method"];
    this.httpServerMethod = role === "server" && attrs["rpc.service"] === undefined && typeof method === "string" ? method : undefined;
    const sc = span.spanContext();
    this.sampled = span.isRecording();
    this.traceId = sc.traceId;
    this.spanId = sc.spanId;
  }

  /** The context carrying this span, made only when a child span or an inject needs it. */
  get context(): Context {
    return this.api.trace.setSpan(this.parentContext, this.span);
  }

  setAttributes(attrs: SpanAttributes): void {
    // The SDK skips undefined values silently.
    if (this.sampled && !this.ended) this.span.setAttributes(attrs);
  }

  setRoute(route: string): void {
    if (!this.sampled || this.ended) return;
    this.span.setAttribute("http.route", route);
    if (this.httpServerMethod !== undefined) this.span.updateName(spanNameOf({ "http.request.method": this.httpServerMethod, "http.route": route }, this.httpServerMethod));
  }

  recordReason(reason: string): void {
    if (this.sampled && !this.ended) this.reason = reason;
  }

  end(outcome?: SpanOutcome, atMs?: number): void {
    if (this.ended) return;
    this.ended = true;
    const o = this.reason === undefined || outcome?.reason !== undefined ? outcome : { ...outcome, reason: this.reason };
    if (this.sampled && o !== undefined) {
      if (o.httpStatus !== undefined) this.span.setAttribute("http.response.status_code", o.httpStatus);
      if (o.grpcStatus !== undefined) this.span.setAttribute("rpc.grpc.status_code", o.grpcStatus);
      if (o.reason !== undefined) this.span.setAttribute("weft.error", o.reason);
      if (isErrorOutcome(this.role, o)) {
        const code = this.api.SpanStatusCode.ERROR;
        const message = o.error ?? o.reason;
        this.span.setStatus(message === undefined ? { code } : { code, message });
        this.span.setAttribute("error.type", errorTypeOf(o));
      }
    }
    // A child never outlives its parent: when the request's answer closed first (the client hung up once
    // it had every byte, before the upstream's end was seen), the client span ends with it.
    const parentEnd = this.parentHandle?.endedAtMs;
    const at = atMs ?? spanClockMs();
    this.endedAtMs = parentEnd !== undefined && parentEnd < at ? parentEnd : at;
    this.span.end(this.endedAtMs);
  }
}

/** The span processor exporting to the configured endpoint, if any: spans encoded at their end (encoded-span-export.ts). */
function processorOf(cfg: TracingConfig): SpanProcessor | undefined {
  if (cfg.otlpEndpoint === undefined) return undefined;
  const common = { maxBatchSpans: EXPORT_BATCH_SIZE, delayMs: cfg.exportDelayMs ?? 5000, concurrencyLimit: EXPORT_CONCURRENCY };
  if (cfg.protocol === "grpc") return new EncodedSpanProcessor({ url: cfg.otlpEndpoint, protocol: "grpc", ...common });
  const base = cfg.otlpEndpoint.replace(/\/+$/, "");
  return new EncodedSpanProcessor({ url: base.endsWith("/v1/traces") ? base : `${base}/v1/traces`, protocol: "http", ...common });
}

class SdkTracing implements Tracing {
  readonly enabled = true;
  readonly api = otelApi();
  readonly sdk = otelSdk();
  readonly provider: BasicTracerProvider;
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
  /** The ratio sampler's bound for new traces (ratio-sampling.ts). */
  readonly upperBound: number;
  readonly ids = new PooledIdGenerator();
  readonly formats: HeaderFormats;
  /** readHeaderContext's result, reused by every request (the request path is synchronous). */
  private readonly reading = newHeaderReading();
  /** The header object startServerSpan is reading, only during the call. */
  private record: HeaderRecord | undefined;
  /** Reads `record` (one getter for the tracer's life instead of a closure per request). */
  private readonly readRecord: HeaderGetter = (name) => {
    const v = this.record?.[name];
    return typeof v === "number" ? String(v) : v;
  };

  constructor(cfg: TracingConfig) {
    const { BasicTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } = this.sdk;
    const processor = processorOf(cfg);
    const processors: SpanProcessor[] = processor === undefined ? [] : [processor];
    const { defaultResource, detectResources, envDetector, hostDetector, resourceFromAttributes } = otelResources();
    this.provider = new BasicTracerProvider({
      resource: defaultResource()
        .merge(detectResources({ detectors: [hostDetector] }))
        .merge(resourceFromAttributes({ ...cfg.resourceAttributes, "service.name": cfg.serviceName }))
        .merge(detectResources({ detectors: [envDetector] })),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(cfg.samplingRatio) }),
      idGenerator: this.ids,
      // Request-derived values (paths, hosts) are attacker-sized: cap what a span carries.
      spanLimits: { attributeValueLengthLimit: MAX_ATTRIBUTE_LENGTH, attributeCountLimit: 64 },
      spanProcessors: processors,
    });
    this.upperBound = ratioUpperBound(cfg.samplingRatio);
    this.tracer = this.provider.getTracer("weft");
    this.propagator = buildPropagator(cfg.propagators);
    this.formats = headerFormatsOf(cfg.propagators);
  }

  /** A span under `parent` (an extracted or span context): SDK span when sampled, light otherwise. */
  /** `plain`: `parent` was made by contextOfReading or is the root (SdkSpanHandle.plain). */
  /** `sampledTraceId`: a new trace's id already drawn and sampled (startServerSpan). */
  private start(
    parent: Context,
    role: SpanRole,
    attrsOf: SpanAttributesOf,
    nameOf: string | (() => string | undefined) | undefined,
    plain: boolean,
    parentHandle?: SdkSpanHandle,
    sampledTraceId?: string,
  ): SpanHandle {
    const api = this.api;
    const sc = api.trace.getSpanContext(parent);
    if (sc !== undefined && api.isSpanContextValid(sc)) {
      if ((sc.traceFlags & api.TraceFlags.SAMPLED) === 0) return new UnsampledSpanHandle(sc.traceId, sc.traceState, parent);
    } else if (sampledTraceId !== undefined) this.ids.pendingTraceId = sampledTraceId;
    else {
      const traceId = randomHexId(16);
      if (!ratioSamples(traceId, this.upperBound)) return new UnsampledSpanHandle(traceId, undefined, parent);
      this.ids.pendingTraceId = traceId;
    }
    const attrs = typeof attrsOf === "function" ? attrsOf() : attrsOf;
    const name = typeof nameOf === "function" ? nameOf() : nameOf;
    const kind = role === "server" ? api.SpanKind.SERVER : api.SpanKind.CLIENT;
    try {
      const span = this.tracer.startSpan(name ?? spanNameOf(attrs, role === "server" ? "request" : "upstream"), { kind, attributes: attrs, startTime: spanClockMs() }, parent);
      return new SdkSpanHandle(api, span, parent, role, attrs, plain, parentHandle);
    } finally {
      this.ids.pendingTraceId = undefined;
    }
  }

  startServerSpan(carrier: HeaderGetter | HeaderRecord, attrs: SpanAttributesOf, name?: string | (() => string | undefined)): SpanHandle {
    let get: HeaderGetter;
    if (typeof carrier === "function") get = carrier;
    else {
      this.record = carrier;
      get = this.readRecord;
    }
    const r = this.reading;
    try {
      if (readHeaderContext(this.formats, get, r)) {
        if (r.traceId !== "" && !r.sampled) return new LightUnsampledSpan(r.traceId, r.traceState, r.baggage);
        if (r.traceId === "") {
          const traceId = randomHexId(16);
          if (!ratioSamples(traceId, this.upperBound)) return new LightUnsampledSpan(traceId, undefined, r.baggage);
          return this.start(contextOfReading(this.formats, r), "server", attrs, name, true, undefined, traceId);
        }
        return this.start(contextOfReading(this.formats, r), "server", attrs, name, true);
      }
      return this.start(this.propagator.extract(this.api.ROOT_CONTEXT, get, headerFnGetter), "server", attrs, name, false);
    } finally {
      // Nothing of this request stays reachable from the tracer.
      this.record = undefined;
      r.traceState = r.baggage = undefined;
      r.traceId = r.spanId = "";
    }
  }

  startClientSpan(parent: SpanHandle, attrs: SpanAttributes, name?: string): SpanHandle {
    if (parent instanceof LightUnsampledSpan || parent instanceof UnsampledSpanHandle) return parent.child();
    return parent instanceof SdkSpanHandle ? this.start(parent.context, "client", attrs, name, parent.plain, parent) : this.start(this.api.ROOT_CONTEXT, "client", attrs, name, true);
  }

  inject(span: SpanHandle, target: HeaderSetter | HeaderTarget): void {
    if (span instanceof LightUnsampledSpan) span.inject(this.formats, target);
    else if (span instanceof SdkSpanHandle && span.plain && span.span.spanContext().traceFlags === Number(this.api.TraceFlags.SAMPLED)) {
      injectSampled(this.formats, span.span.spanContext(), span.parentContext, target);
    } else if (span instanceof SdkSpanHandle || span instanceof UnsampledSpanHandle) this.propagator.inject(span.context, target, headerSetter);
  }

  forceFlush(): Promise<void> {
    return this.provider.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** The tracing facade for `cfg`; throws RangeError listing every problem of an invalid config
 *  (a startup error, never a request-path one). */
export function initTracing(cfg: TracingConfig | undefined): Tracing {
  if (cfg === undefined || cfg.enabled === false) return NOOP_TRACING;
  const problems = validateTracingConfig(cfg);
  if (problems.length > 0) throw new RangeError(`invalid tracing config: ${problems.join("; ")}`);
  return new SdkTracing(cfg);
}

export { NOOP_SPAN, NOOP_TRACING };
