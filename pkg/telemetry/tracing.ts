// tracing: `initTracing(cfg)` gives the tracing facade. Off (no cfg or enabled=false) gives the
// shared no-op facade and creates no OpenTelemetry object. On, it takes the parent-based ratio decision
// itself and records sampled spans as SampledSpans (sampled-span.ts: plain objects shaped as the SDK's
// ReadableSpan, with the SDK Span's attribute limits, times and status rules), which an OTLP export (HTTP/JSON
// or gRPC) encodes at their end (encoded-span-export.ts); the OpenTelemetry SDK's tracer and Span are not used.
// Contexts are passed explicitly (no global context manager).
// The sampling decision, as ParentBased(TraceIdRatioBased(ratio)) takes it: a valid parent span context's
// sampled flag, else the ratio sampler's arithmetic on the new trace's id (ratio-sampling.ts); a sampled span's
// trace flags are exactly SAMPLED and it inherits the parent's trace state. Dropped requests get a light handle
// that propagates the same context at a fraction of the cost. The headers are read
// first by header-context.ts (no OpenTelemetry object per request); a dropped request whose headers it
// could read never touches the OpenTelemetry propagators; a sampled one gets its parent context
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
import type { Context, SpanContext, TextMapPropagator } from "@opentelemetry/api";
import { EncodedSpanProcessor } from "./encoded-span-export.ts";
import { otelApi, otelResources } from "./otel-modules.ts";
import { NOOP_SPAN, NOOP_TRACING } from "./noop-tracing.ts";
import { buildPropagator, headerFnGetter, headerSetter } from "./propagation.ts";
import { ratioSamples, ratioUpperBound } from "./ratio-sampling.ts";
import { spanClockMs } from "./span-clock.ts";
import { SampledSpan, type SampledSpanShared } from "./sampled-span.ts";
import { droppedHopText, UnsampledSpanHandle, randomHexId } from "./unsampled-span.ts";
import { baggageContextOfReading, headerFormatsOf, injectSampled, LightUnsampledSpan, newHeaderReading, readHeaderContext, spanContextOfReading, type HeaderFormats } from "./header-context.ts";
import { spanNameOf, type SpanAttributes, type SpanRole } from "./span-attributes.ts";
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
/** Most attributes a span carries; later new keys are dropped (and counted). */
export const MAX_ATTRIBUTE_COUNT = 64;

/** The span processor exporting to the configured endpoint, if any: spans encoded at their end (encoded-span-export.ts). */
function processorOf(cfg: TracingConfig): EncodedSpanProcessor | undefined {
  if (cfg.otlpEndpoint === undefined) return undefined;
  const common = { maxBatchSpans: EXPORT_BATCH_SIZE, delayMs: cfg.exportDelayMs ?? 5000, concurrencyLimit: EXPORT_CONCURRENCY };
  if (cfg.protocol === "grpc") return new EncodedSpanProcessor({ url: cfg.otlpEndpoint, protocol: "grpc", ...common });
  const base = cfg.otlpEndpoint.replace(/\/+$/, "");
  return new EncodedSpanProcessor({ url: base.endsWith("/v1/traces") ? base : `${base}/v1/traces`, protocol: "http", ...common });
}

class SdkTracing implements Tracing {
  readonly enabled = true;
  readonly api = otelApi();
  /** Where sampled spans go at their end; undefined without an endpoint (spans are made and propagated, not exported). */
  readonly processor: EncodedSpanProcessor | undefined;
  /** What every sampled span shares: resource, scope, attribute limits, the processor. */
  readonly shared: SampledSpanShared;
  readonly propagator: TextMapPropagator;
  /** The ratio sampler's bound for new traces (ratio-sampling.ts). */
  readonly upperBound: number;
  readonly formats: HeaderFormats;
  /** readHeaderContext's result, reused by every request (the request path is synchronous). */
  private readonly reading = newHeaderReading();

  constructor(cfg: TracingConfig) {
    this.processor = processorOf(cfg);
    const processor = this.processor;
    const { defaultResource, detectResources, envDetector, hostDetector, resourceFromAttributes } = otelResources();
    this.shared = {
      resource: defaultResource()
        .merge(detectResources({ detectors: [hostDetector] }))
        .merge(resourceFromAttributes({ ...cfg.resourceAttributes, "service.name": cfg.serviceName }))
        .merge(detectResources({ detectors: [envDetector] })),
      // The scope the SDK's provider.getTracer("weft") gave.
      scope: { name: "weft" },
      // Request-derived values (paths, hosts) are attacker-sized: cap what a span carries.
      attributeCountLimit: MAX_ATTRIBUTE_COUNT,
      attributeValueLengthLimit: MAX_ATTRIBUTE_LENGTH,
      onEnd: processor === undefined ? undefined : (span) => processor.onEnd(span),
    };
    this.upperBound = ratioUpperBound(cfg.samplingRatio);
    this.propagator = buildPropagator(cfg.propagators);
    this.formats = headerFormatsOf(cfg.propagators);
  }

  /**
   * A span under the parent span context `sc` (undefined: none, a new trace), found in `parent` (an extracted
   * context, or the context the parent span was started under): a SampledSpan when sampled, a light handle
   * otherwise. The parent-based ratio decision: a valid parent span context's sampled flag, else the ratio on
   * the new trace's id (`sampledTraceId`: one already drawn and sampled, startServerSpan). `plain`: `parent`
   * holds nothing but baggage read by readHeaderContext (or is the root): injectSampled writes what the
   * propagators would.
   */
  private start(
    parent: Context,
    sc: SpanContext | undefined,
    role: SpanRole,
    attrsOf: SpanAttributesOf,
    nameOf: string | (() => string | undefined) | undefined,
    plain: boolean,
    parentSpan?: SampledSpan,
    sampledTraceId?: string,
  ): SpanHandle {
    const api = this.api;
    let traceId: string;
    let parentSc: SpanContext | undefined;
    if (sc !== undefined && api.isSpanContextValid(sc)) {
      if ((sc.traceFlags & api.TraceFlags.SAMPLED) === 0) return new UnsampledSpanHandle(sc.traceId, sc.traceState, parent);
      traceId = sc.traceId;
      parentSc = sc;
    } else if (sampledTraceId !== undefined) traceId = sampledTraceId;
    else {
      traceId = randomHexId(16);
      if (!ratioSamples(traceId, this.upperBound)) return new UnsampledSpanHandle(traceId, undefined, parent);
    }
    const attrs = typeof attrsOf === "function" ? attrsOf() : attrsOf;
    const name = typeof nameOf === "function" ? nameOf() : nameOf;
    const ctx: SpanContext = { traceId, spanId: randomHexId(8), traceFlags: api.TraceFlags.SAMPLED };
    if (parentSc?.traceState !== undefined) ctx.traceState = parentSc.traceState;
    return new SampledSpan(this.shared, name ?? spanNameOf(attrs, role === "server" ? "request" : "upstream"), role, ctx, parentSc, attrs, spanClockMs(), parent, plain, parentSpan);
  }

  startServerSpan(carrier: HeaderGetter | HeaderRecord, attrs: SpanAttributesOf, name?: string | (() => string | undefined)): SpanHandle {
    const r = this.reading;
    try {
      // A header object is read in place (readHeaderContext takes it as it takes a getter).
      if (readHeaderContext(this.formats, carrier, r)) {
        if (r.traceId !== "" && !r.sampled) return new LightUnsampledSpan(r.traceId, r.traceState, r.baggage);
        // The parent span context and the baggage as contextOfReading has them, without a Context around the span context.
        if (r.traceId === "") {
          // The new trace's id is drawn inside the header text its first client span writes if it is dropped.
          const text = droppedHopText(undefined);
          const traceId = text.slice(3, 35);
          if (!ratioSamples(traceId, this.upperBound)) return new LightUnsampledSpan(traceId, undefined, r.baggage, text);
          return this.start(baggageContextOfReading(this.formats, r), undefined, "server", attrs, name, true, undefined, traceId);
        }
        return this.start(baggageContextOfReading(this.formats, r), spanContextOfReading(r), "server", attrs, name, true);
      }
      const get: HeaderGetter = typeof carrier === "function" ? carrier : (n) => {
        const v = carrier[n];
        return typeof v === "number" ? String(v) : v;
      };
      const extracted = this.propagator.extract(this.api.ROOT_CONTEXT, get, headerFnGetter);
      return this.start(extracted, this.api.trace.getSpanContext(extracted), "server", attrs, name, false);
    } finally {
      // Nothing of this request stays reachable from the tracer.
      r.traceState = r.baggage = undefined;
      r.traceId = r.spanId = "";
    }
  }

  startClientSpan(parent: SpanHandle, attrs: SpanAttributes, name?: string): SpanHandle {
    if (parent instanceof LightUnsampledSpan || parent instanceof UnsampledSpanHandle) return parent.child();
    return parent instanceof SampledSpan ?
      this.start(parent.parentContext, parent.spanContext(), "client", attrs, name, parent.plain, parent) :
      this.start(this.api.ROOT_CONTEXT, undefined, "client", attrs, name, true);
  }

  inject(span: SpanHandle, target: HeaderSetter | HeaderTarget): void {
    if (span instanceof LightUnsampledSpan) span.inject(this.formats, target);
    else if (span instanceof SampledSpan) {
      if (span.plain) injectSampled(this.formats, span.spanContext(), span.parentContext, target);
      else this.propagator.inject(this.api.trace.setSpanContext(span.parentContext, span.spanContext()), target, headerSetter);
    } else if (span instanceof UnsampledSpanHandle) this.propagator.inject(span.context, target, headerSetter);
  }

  forceFlush(): Promise<void> {
    return this.processor?.forceFlush() ?? Promise.resolve();
  }
  shutdown(): Promise<void> {
    return this.processor?.shutdown() ?? Promise.resolve();
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
