// header-context: the propagation fast path. Reads the propagated trace context straight from a
// request's headers for the configured propagators, and writes a span's context on an outgoing request,
// with the same result as OpenTelemetry's propagators (propagation.ts). A dropped request gets no Context,
// SpanContext, TraceState or Baggage object at all; a sampled one gets the Context the propagators would
// have extracted (`contextOfReading`, made directly: no header is parsed twice; the tracer takes its two parts,
// `spanContextOfReading` and `baggageContextOfReading`, and makes no Context for them) and its spans' headers are
// written directly too (`injectSampled`), without running the propagators, each of which read or wrote
// every header of its own format again. It reads only the plain forms every hop writes —
// traceparent `00-<32 hex>-<16 hex>-<2 hex>`; b3 `<16|32 hex>-<16 hex>[-0|-1[-<16 hex>]]`; X-B3-TraceId
// (16|32 hex), X-B3-SpanId and X-B3-Sampled (0/1/true/false/True/False) without X-B3-Flags — each header
// once; lower-case hex, ids not all zeros. Anything else present among the configured headers (a debug
// flag, a future traceparent version, upper case, spaces, repeated headers, garbage) makes `readHeaderContext`
// answer false, and the caller uses the OpenTelemetry propagators, which decide what such a header means.
// tracestate and baggage are kept as received and written back through OpenTelemetry's own TraceState and
// W3CBaggagePropagator, so their parsing, limits and encoding stay OpenTelemetry's. Only the header is
// read by us; those objects are made only for a request that carries one.
// Takes header getters/setters (or header objects, written in place) and the propagator names; gives
// HeaderReading, readHeaderContext, contextOfReading (and its two parts), injectSampled and LightUnsampledSpan. Must not: throw on any header value, or read a header differently from OpenTelemetry.
import type { Context, SpanContext, TextMapGetter, TextMapPropagator } from "@opentelemetry/api";
import { otelApi, otelCore } from "./otel-modules.ts";
import type { SpanAttributes } from "./span-attributes.ts";
import { headerSetter } from "./propagation.ts";
import { putHeader, type HeaderGetter, type HeaderRecord, type HeaderSetter, type HeaderTarget, type PropagatorName, type SpanHandle } from "./tracing-types.ts";
import { droppedHopText } from "./unsampled-span.ts";

/** Which formats a tracer reads and writes, from its configured propagator names (in extract order). */
export interface HeaderFormats {
  readonly w3c: boolean;
  readonly baggage: boolean;
  /** b3 or b3multi configured: both read the single header, else the multi headers. */
  readonly b3: boolean;
  readonly b3Single: boolean;
  readonly b3Multi: boolean;
  /** A B3 propagator extracts after tracecontext: B3 wins when both are valid (tracestate kept when they agree). */
  readonly b3Last: boolean;
  /** Inject order: the configured names, duplicates dropped. */
  readonly order: readonly PropagatorName[];
  readonly baggagePropagator: TextMapPropagator | undefined;
}

export function headerFormatsOf(names: readonly PropagatorName[]): HeaderFormats {
  const order = [...new Set(names)];
  const w3cAt = order.indexOf("tracecontext");
  const b3At = Math.max(order.indexOf("b3"), order.indexOf("b3multi"));
  return {
    w3c: w3cAt >= 0,
    baggage: order.includes("baggage"),
    b3: b3At >= 0,
    b3Single: order.includes("b3"),
    b3Multi: order.includes("b3multi"),
    b3Last: b3At > w3cAt,
    order,
    baggagePropagator: order.includes("baggage") ? new (otelCore().W3CBaggagePropagator)() : undefined,
  };
}

/** What readHeaderContext found; one per tracer, overwritten by every read (the request path is synchronous). */
export interface HeaderReading {
  /** The propagated trace id and parent span id, "" when no context was found (a new trace). */
  traceId: string;
  spanId: string;
  sampled: boolean;
  /** The trace flags OpenTelemetry extracts: traceparent's whole flags byte, B3's sampled bit. */
  flags: number;
  /** tracestate as received, when it travels with the context found. */
  traceState: string | undefined;
  /** baggage as received. */
  baggage: string | undefined;
}

export const newHeaderReading = (): HeaderReading => ({ traceId: "", spanId: "", sampled: false, flags: 0, traceState: undefined, baggage: undefined });

/** Whether s[from, from+len) is lower-case hex and not all zeros. */
function hexId(s: string, from: number, len: number): boolean {
  let nonZero = false;
  for (let i = from; i < from + len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) nonZero ||= c !== 48;
    else if (c >= 97 && c <= 102) nonZero = true;
    else return false;
  }
  return nonZero;
}

function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/** A header of a getter or a header object (read in place: no getter closure per request). */
function headerOf(from: HeaderGetter | HeaderRecord, name: string): string | readonly string[] | undefined {
  if (typeof from === "function") return from(name);
  const v = from[name];
  return typeof v === "number" ? String(v) : v;
}

/** A header read once: a string, or undefined when absent; null when present in a form we leave to OpenTelemetry (repeated). */
function single(from: HeaderGetter | HeaderRecord, name: string): string | undefined | null {
  const v = headerOf(from, name);
  return v === undefined || typeof v === "string" ? v : null;
}

const B3_MULTI_SAMPLED: Readonly<Record<string, boolean>> = { "1": true, "true": true, "True": true, "0": false, "false": false, "False": false };

/**
 * Reads the headers of the configured formats (from a getter or a header object) into `out`. True: `out` holds what OpenTelemetry's
 * propagators would extract (traceId "" when nothing valid was found). False: a header is present in a
 * form this reader leaves to OpenTelemetry; `out` is then meaningless.
 */
export function readHeaderContext(f: HeaderFormats, get: HeaderGetter | HeaderRecord, out: HeaderReading): boolean {
  out.traceId = "";
  out.spanId = "";
  out.sampled = false;
  out.flags = 0;
  out.traceState = undefined;
  out.baggage = undefined;
  let w3cTrace = "", w3cSpan = "", w3cFlags = 0, traceState: string | undefined;
  if (f.w3c) {
    const tp = single(get, "traceparent");
    if (tp === null) return false;
    if (tp !== undefined) {
      if (tp.length !== 55 || !tp.startsWith("00-") || tp.charCodeAt(35) !== 45 || tp.charCodeAt(52) !== 45 || !hexId(tp, 3, 32) || !hexId(tp, 36, 16)) return false;
      const hi = hexDigit(tp.charCodeAt(53)), lo = hexDigit(tp.charCodeAt(54));
      if (hi < 0 || lo < 0) return false;
      w3cTrace = tp.slice(3, 35);
      w3cSpan = tp.slice(36, 52);
      w3cFlags = hi * 16 + lo;
      const ts = single(get, "tracestate");
      if (ts === null) return false;
      if (ts !== undefined && ts !== "") traceState = ts;
    }
  }
  if (f.baggage) {
    const b = single(get, "baggage");
    if (b === null) return false;
    if (b !== undefined && b !== "") out.baggage = b;
  }
  let b3Trace = "", b3Span = "", b3Sampled = false;
  if (f.b3) {
    const h = single(get, "b3");
    if (h === null) return false;
    if (h !== undefined) {
      // <trace>-<span>[-<0|1>[-<parent>]], trace 16 or 32 hex.
      const t = h.length > 32 && h.charCodeAt(32) === 45 ? 32 : 16;
      const rest = h.length - t - 17;
      if (h.charCodeAt(t) !== 45 || !hexId(h, 0, t) || !hexId(h, t + 1, 16) || !(rest === 0 || rest === 2 || rest === 19)) return false;
      if (rest > 0) {
        const s = h.charCodeAt(t + 18);
        if (h.charCodeAt(t + 17) !== 45 || (s !== 48 && s !== 49)) return false;
        if (rest === 19 && (h.charCodeAt(t + 19) !== 45 || !hexId(h, t + 20, 16))) return false;
        b3Sampled = s === 49;
      }
      b3Trace = t === 32 ? h.slice(0, 32) : `0000000000000000${h.slice(0, 16)}`;
      b3Span = h.slice(t + 1, t + 17);
    } else {
      const tid = single(get, "x-b3-traceid"), sid = single(get, "x-b3-spanid"), smp = single(get, "x-b3-sampled");
      if (tid === null || sid === null || smp === null || headerOf(get, "x-b3-flags") !== undefined) return false;
      if (tid !== undefined || sid !== undefined || smp !== undefined) {
        if (tid === undefined || sid === undefined || !(tid.length === 32 || tid.length === 16) || !hexId(tid, 0, tid.length) || sid.length !== 16 || !hexId(sid, 0, 16)) return false;
        const sampled = smp === undefined ? false : B3_MULTI_SAMPLED[smp];
        if (sampled === undefined) return false;
        b3Trace = tid.length === 32 ? tid : `0000000000000000${tid}`;
        b3Span = sid;
        b3Sampled = sampled;
      }
    }
  }
  // The composite propagator: the later valid format wins; tracestate travels with the W3C context, and
  // with a B3 one that names the same span (propagation.ts TraceStateKeeping).
  if (b3Trace !== "" && (w3cTrace === "" || f.b3Last)) {
    out.traceId = b3Trace;
    out.spanId = b3Span;
    out.sampled = b3Sampled;
    out.flags = b3Sampled ? 1 : 0;
    out.traceState = b3Trace === w3cTrace && b3Span === w3cSpan ? traceState : undefined;
  } else if (w3cTrace !== "") {
    out.traceId = w3cTrace;
    out.spanId = w3cSpan;
    out.sampled = (w3cFlags & 1) === 1;
    out.flags = w3cFlags;
    out.traceState = traceState;
  }
  return true;
}

const rawGetter: TextMapGetter<string> = { get: (carrier) => carrier, keys: () => [] };

/** The Context OpenTelemetry's propagators extract from the headers `r` was read from (readHeaderContext answered true):
 *  the remote span context, if any, with its flags and tracestate, and the baggage, if any. */
export function contextOfReading(f: HeaderFormats, r: HeaderReading): Context {
  const ctx = baggageContextOfReading(f, r);
  const sc = spanContextOfReading(r);
  return sc === undefined ? ctx : otelApi().trace.setSpanContext(ctx, sc);
}

/** contextOfReading's baggage alone: the root Context, or one carrying the baggage read. */
export function baggageContextOfReading(f: HeaderFormats, r: HeaderReading): Context {
  const api = otelApi();
  return r.baggage === undefined ? api.ROOT_CONTEXT : f.baggagePropagator!.extract(api.ROOT_CONTEXT, r.baggage, rawGetter);
}

/** contextOfReading's remote span context alone, undefined when none was read (a new trace). */
export function spanContextOfReading(r: HeaderReading): SpanContext | undefined {
  if (r.traceId === "") return undefined;
  const sc: SpanContext = { traceId: r.traceId, spanId: r.spanId, traceFlags: r.flags, isRemote: true };
  if (r.traceState !== undefined) sc.traceState = new (otelCore().TraceState)(r.traceState);
  return sc;
}

/**
 * Writes a sampled span's context (`sc`, trace flags exactly SAMPLED) with every configured format, in order,
 * as OpenTelemetry's inject writes it for `context` (the span's parent context: its baggage) when that context
 * was made by contextOfReading or is the root one (no B3 debug flag, tracing not suppressed).
 */
export function injectSampled(f: HeaderFormats, sc: SpanContext, context: Context, target: HeaderSetter | HeaderTarget): void {
  const { traceId, spanId } = sc;
  const traceparent = f.w3c ? `00-${traceId}-${spanId}-01` : "", b3 = f.b3Single ? `${traceId}-${spanId}-1` : "";
  writeContext(f, target, traceId, spanId, traceparent, b3, "1", f.w3c && sc.traceState !== undefined ? sc.traceState.serialize() : undefined, context);
}

/**
 * The one format loop of both injects: traceparent (and tracestate), baggage (from `baggage`, a Context, when
 * given), b3 and the B3 multi headers, in the configured order; `traceparent` and `b3` are the values made by the
 * caller (read only when their format is configured), `sampled` is "1" or "0". Plain values in, no callback: it
 * runs on every forwarded request of a traced proxy.
 */
function writeContext(
  f: HeaderFormats,
  target: HeaderSetter | HeaderTarget,
  traceId: string,
  spanId: string,
  traceparent: string,
  b3: string,
  sampled: "1" | "0",
  traceState: string | undefined,
  baggage: Context | undefined,
): void {
  for (const name of f.order) {
    switch (name) {
      case "tracecontext":
        putHeader(target, "traceparent", traceparent);
        if (traceState !== undefined) putHeader(target, "tracestate", traceState);
        break;
      case "baggage":
        if (baggage !== undefined) f.baggagePropagator!.inject(baggage, target, headerSetter);
        break;
      case "b3":
        putHeader(target, "b3", b3);
        break;
      case "b3multi":
        putHeader(target, "x-b3-traceid", traceId);
        putHeader(target, "x-b3-spanid", spanId);
        putHeader(target, "x-b3-sampled", sampled);
        break;
    }
  }
}

/**
 * A dropped request's span made from headers read by readHeaderContext: records nothing, and writes the
 * same trace id, a fresh span id per hop, flags 00, and the tracestate and baggage it was given. What it writes
 * is one droppedHopText (unsampled-span.ts): traceparent and b3 are slices of one flat string, its span id is
 * never a string of its own. Its text is made only when needed (read or written): a dropped request's server
 * span is never written anywhere — its client span, `child()`, is what the next hop sees as its parent — so a
 * server span that starts a new trace hands the text its trace id was drawn in (`firstChildText`, a span id not
 * yet used) to its first child.
 */
export class LightUnsampledSpan implements SpanHandle {
  readonly sampled = false;
  readonly traceId: string;
  readonly traceState: string | undefined;
  readonly baggage: string | undefined;
  /** This span's droppedHopText (its span id at 36..52), once made. */
  private text: string | undefined;
  /** A droppedHopText of this trace for the first child, not yet used. */
  private firstChildText: string | undefined;

  constructor(traceId: string, traceState: string | undefined, baggage: string | undefined, firstChildText?: string) {
    this.traceId = traceId;
    this.traceState = traceState;
    this.baggage = baggage;
    this.text = undefined;
    this.firstChildText = firstChildText;
  }

  get spanId(): string {
    return this.hopText().slice(36, 52);
  }

  private hopText(): string {
    return (this.text ??= droppedHopText(this.traceId));
  }

  child(): LightUnsampledSpan {
    const child = new LightUnsampledSpan(this.traceId, this.traceState, this.baggage);
    child.text = this.firstChildText;
    this.firstChildText = undefined;
    return child;
  }

  /** Writes this span's context with every configured format, in order, as OpenTelemetry's inject would. */
  inject(f: HeaderFormats, target: HeaderSetter | HeaderTarget): void {
    // Its text is made only when a format writes an id; tracestate and baggage are parsed only when written.
    const text = f.w3c || f.b3Single || f.b3Multi ? this.hopText() : "";
    const spanId = f.b3Multi ? text.slice(36, 52) : "";
    const traceState = f.w3c && this.traceState !== undefined ? new (otelCore().TraceState)(this.traceState).serialize() : undefined;
    const baggage = f.baggage && this.baggage !== undefined ? f.baggagePropagator!.extract(otelApi().ROOT_CONTEXT, this.baggage, rawGetter) : undefined;
    writeContext(f, target, this.traceId, spanId, f.w3c ? text.slice(0, 55) : "", f.b3Single ? text.slice(55) : "", "0", traceState, baggage);
  }

  setAttributes(_attrs: SpanAttributes): void {}
  setRoute(_route: string): void {}
  recordReason(_reason: string): void {}
  end(): void {}
}
