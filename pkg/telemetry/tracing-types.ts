// tracing-types: the tracing facade the hot paths call (proxy, distribution, controller), its
// config, and config validation. Takes nothing; gives types plus `validateTracingConfig`.
// Must not: import the OpenTelemetry SDK (the no-op facade and callers depend on this file only).
import type { SpanAttributes, SpanOutcome } from "./span-attributes.ts";

export type PropagatorName = "tracecontext" | "baggage" | "b3" | "b3multi";
export const PROPAGATOR_NAMES: readonly PropagatorName[] = ["tracecontext", "baggage", "b3", "b3multi"];

export interface TracingConfig {
  /** false (or no config at all) gives the no-op facade: no SDK objects, no propagation. */
  readonly enabled?: boolean;
  /** service.name resource attribute, e.g. "weft-proxy". */
  readonly serviceName: string;
  /** OTLP endpoint: grpc `http://host:4317`; http base `http://host:4318` or full `/v1/traces` URL.
   *  Absent: spans are made and propagated but not exported. */
  readonly otlpEndpoint?: string;
  readonly protocol: "grpc" | "http";
  /** Parent-based ratio sampler: a new trace is sampled with this probability; a propagated
   *  context's sampled flag is always honoured. 0..1. */
  readonly samplingRatio: number;
  /** Extract tries each (later wins when several are present); inject writes all of them. */
  readonly propagators: readonly PropagatorName[];
  /** Extra resource attributes (k8s.pod.name, …). */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /** Batch export delay; default 5000 ms. */
  readonly exportDelayMs?: number;
}

/** Reads one request header by lower-case name (node:http / http2 header objects fit). */
export type HeaderGetter = (name: string) => string | readonly string[] | undefined;
/** Writes one header on an outgoing request. */
export type HeaderSetter = (name: string, value: string) => void;
/** A request's headers by lower-case name, as node:http / http2 give them: read in place, no getter per request. */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | number | undefined>>;
/** An outgoing request's header object, written in place. */
export type HeaderTarget = Record<string, string | string[] | number | undefined>;
/** A server span's start attributes, or a function giving them that only a sampled request calls (a
 *  dropped one builds no attribute object). */
export type SpanAttributesOf = SpanAttributes | (() => SpanAttributes);

export interface SpanHandle {
  /** Whether the span is sampled (recorded and exported). */
  readonly sampled: boolean;
  /** 32 hex chars, or "" when tracing is off. For access logs. */
  readonly traceId: string;
  /** 16 hex chars, or "" when tracing is off. */
  readonly spanId: string;
  /** Sets attributes; undefined values are skipped. Cheap no-op when not sampled. */
  setAttributes(attrs: SpanAttributes): void;
  /**
   * The matched route's path template (semconv `http.route`), known only after routing: sets the
   * attribute and renames an HTTP server span `{method} {route}` (gRPC spans keep `{service}/{method}`).
   */
  setRoute(route: string): void;
  /** Records Weft's reason for the answer (an x-weft-error code, also one relayed from the next hop): the
   *  end sets `weft.error`, and `error.type` when the span ends as an error. */
  recordReason(reason: string): void;
  /** Ends the span once, at `atMs` (spanClockMs) or now; sets status code attributes and error status from the outcome. */
  end(outcome?: SpanOutcome, atMs?: number): void;
}

export interface Tracing {
  readonly enabled: boolean;
  /** A server span continuing the context found in the request headers (or a new trace). `attrs` and
   *  `name` given as functions are called only when the span is sampled. */
  startServerSpan(carrier: HeaderGetter | HeaderRecord, attrs: SpanAttributesOf, name?: string | (() => string | undefined)): SpanHandle;
  /** A client span (one per upstream attempt) under `parent`. */
  startClientSpan(parent: SpanHandle, attrs: SpanAttributes, name?: string): SpanHandle;
  /** Writes the span's context on an outgoing request with every configured propagator. */
  inject(span: SpanHandle, setter: HeaderSetter | HeaderTarget): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Problems with a tracing config, as sentences; empty when valid. */
export function validateTracingConfig(cfg: TracingConfig): string[] {
  const problems: string[] = [];
  if (typeof cfg.serviceName !== "string" || cfg.serviceName.length === 0) problems.push("serviceName must be a non-empty string");
  if (cfg.protocol !== "grpc" && cfg.protocol !== "http") problems.push(`protocol must be "grpc" or "http", got ${String(cfg.protocol)}`);
  if (typeof cfg.samplingRatio !== "number" || !(cfg.samplingRatio >= 0 && cfg.samplingRatio <= 1)) {
    problems.push(`samplingRatio must be a number in [0, 1], got ${String(cfg.samplingRatio)}`);
  }
  if (!Array.isArray(cfg.propagators) || cfg.propagators.length === 0) problems.push("propagators must be a non-empty list");
  else for (const p of cfg.propagators as readonly unknown[])
      if (!(PROPAGATOR_NAMES as readonly unknown[]).includes(p)) problems.push(`unknown propagator "${String(p)}" (known: ${PROPAGATOR_NAMES.join(", ")})`);
  if (cfg.otlpEndpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(cfg.otlpEndpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) problems.push(`otlpEndpoint must be an http(s) URL, got "${cfg.otlpEndpoint}"`);
  }
  if (cfg.exportDelayMs !== undefined && !(Number.isInteger(cfg.exportDelayMs) && cfg.exportDelayMs > 0)) problems.push("exportDelayMs must be a positive integer");
  return problems;
}

/** Header helpers for node:http(2) header objects (keys lower-case). */
export function headerGetterOf(headers: Readonly<Record<string, string | readonly string[] | number | undefined>>): HeaderGetter {
  return (name) => {
    const v = headers[name];
    return typeof v === "number" ? String(v) : v;
  };
}

/** Writes one header through a setter or straight into a header object. */
export function putHeader(target: HeaderSetter | HeaderTarget, name: string, value: string): void {
  if (typeof target === "function") target(name, value);
  else target[name] = value;
}

export function headerSetterOf(headers: Record<string, string | string[] | number | undefined>): HeaderSetter {
  return (name, value) => {
    headers[name] = value;
  };
}
