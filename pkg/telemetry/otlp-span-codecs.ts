// otlp-span-codecs: one finished span as its piece of an OTLP export request, and the request around such
// pieces, in OTLP/JSON (HTTP) and OTLP protobuf (gRPC) — by OpenTelemetry's own serializers, so a request
// built from the pieces says what the SDK's exporter would send for the same spans. JSON: the span's
// object from otlp-transformer's per-span transform and JSON encoder, spans joined by commas, the envelope
// (resource, scope) from the same transform. Protobuf: OpenTelemetry's request serializer run on the span
// alone under an empty resource (the real one is written once per request), from which the span's field
// (ScopeSpans.spans: tag, length, Span) is cut; the envelope's resource and scope fields are cut from one
// request of a span under its real resource, and the two lengths around the spans are written at the end.
// Takes SDK ReadableSpans; gives SpanCodec (jsonCodec, protobufCodec).
// Must not: keep a span, or build a request the SDK's serializer would not decode to the same content.
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { otelResources, otlpTraceSerializers, otlpTransformerInternal } from "./otel-modules.ts";
import { SampledSpan } from "./sampled-span.ts";

/** A request's fixed parts for one resource and scope; `wrap` puts them around `count` encoded spans. */
export interface Envelope {
  readonly resource: unknown;
  readonly scope: string;
  wrap(spans: Buffer, count: number): Buffer;
}

export interface SpanCodec {
  /** The span's piece: text (JSON) or bytes (protobuf). */
  encode(span: ReadableSpan): string | Uint8Array;
  /** Byte between two pieces, if any. */
  readonly separator: number | undefined;
  envelope(span: ReadableSpan): Envelope;
  readonly contentType: string;
}

/** The key OpenTelemetry's serializers group spans by scope with. */
export function scopeKeyOf(span: ReadableSpan): string {
  const s = span.instrumentationScope;
  return `${s.name}@${s.version ?? ""}:${s.schemaUrl ?? ""}`;
}

export function jsonCodec(): SpanCodec {
  const { sdkSpanToOtlpSpan, createExportTraceServiceRequest, JSON_ENCODER } = otlpTransformerInternal();
  return {
    contentType: "application/json",
    separator: 0x2c,
    encode: (span) => JSON.stringify(sdkSpanToOtlpSpan(span, JSON_ENCODER)),
    envelope(span) {
      const req = createExportTraceServiceRequest([span], JSON_ENCODER);
      const rs = req.resourceSpans;
      if (rs?.length !== 1 || rs[0]!.scopeSpans.length !== 1) throw new Error("unexpected OTLP/JSON request shape");
      rs[0]!.scopeSpans[0]!.spans = [];
      const text = JSON.stringify(req);
      const marker = '"spans":[]';
      const at = text.indexOf(marker);
      if (at < 0 || text.indexOf(marker, at + 1) >= 0) throw new Error("unexpected OTLP/JSON request text");
      const head = Buffer.from(text.slice(0, at + marker.length - 1)), tail = Buffer.from(text.slice(at + marker.length - 1));
      return { resource: span.resource, scope: scopeKeyOf(span), wrap: (spans) => Buffer.concat([head, spans, tail]) };
    },
  };
}

/** A length-delimited field of a protobuf message: [start, end) of the whole field, data from `data`. */
interface Field {
  readonly tag: number;
  readonly start: number;
  readonly data: number;
  readonly end: number;
}

function varint(b: Uint8Array, at: number): [value: number, next: number] {
  let v = 0, shift = 0, i = at;
  for (;;) {
    if (i >= b.length || shift > 28) throw new Error("bad protobuf varint");
    const c = b[i++]!;
    v += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) return [v, i];
    shift += 7;
  }
}

/** The fields of the message in b[from, to); every one must be length-delimited (all OTLP envelope fields are). */
function fieldsOf(b: Uint8Array, from: number, to: number): Field[] {
  const out: Field[] = [];
  for (let i = from; i < to;) {
    const [key, afterKey] = varint(b, i);
    if ((key & 7) !== 2) throw new Error("unexpected protobuf wire type in an OTLP envelope");
    const [len, data] = varint(b, afterKey);
    if (data + len > to) throw new Error("truncated protobuf field");
    out.push({ tag: key >>> 3, start: i, data, end: data + len });
    i = data + len;
  }
  return out;
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** The single ResourceSpans of a one-span request, and its single ScopeSpans' fields. */
function partsOf(req: Uint8Array): { rs: Field[]; ss: Field[] } {
  const top = fieldsOf(req, 0, req.length);
  if (top.length !== 1 || top[0]!.tag !== 1) throw new Error("unexpected OTLP protobuf request shape");
  const rs = fieldsOf(req, top[0]!.data, top[0]!.end);
  const scopeSpans = rs.filter((f) => f.tag === 2);
  if (scopeSpans.length !== 1) throw new Error("unexpected OTLP protobuf request shape");
  return { rs, ss: fieldsOf(req, scopeSpans[0]!.data, scopeSpans[0]!.end) };
}

export function protobufCodec(): SpanCodec {
  const pb = otlpTraceSerializers().ProtobufTraceSerializer;
  const emptyResource = otelResources().emptyResource();
  const one = (span: ReadableSpan): Uint8Array => {
    const b = pb.serializeRequest([span]);
    if (b === undefined) throw new Error("span not serialized");
    return b;
  };
  return {
    contentType: "application/x-protobuf",
    separator: undefined,
    encode(span) {
      // The same span read under an empty resource: only the span's own field is kept. A SampledSpan (ours)
      // lends itself for the call; any other span is read through an object that shadows its resource.
      let b: Uint8Array;
      if (span instanceof SampledSpan) {
        const resource = span.resource;
        span.resource = emptyResource;
        try {
          b = one(span);
        } finally {
          span.resource = resource;
        }
      } else b = one(Object.create(span, { resource: { value: emptyResource } }) as ReadableSpan);
      const spans = partsOf(b).ss.filter((f) => f.tag === 2);
      if (spans.length !== 1) throw new Error("unexpected OTLP protobuf request shape");
      return b.subarray(spans[0]!.start, spans[0]!.end);
    },
    envelope(span) {
      const b = Buffer.from(one(span));
      const { rs, ss } = partsOf(b);
      const raw = (fs: Field[], tag: number) => Buffer.concat(fs.filter((f) => f.tag === tag).map((f) => b.subarray(f.start, f.end)));
      const resource = raw(rs, 1), rsRest = raw(rs, 3), scope = raw(ss, 1), ssRest = raw(ss, 3);
      if (rs.some((f) => f.tag !== 1 && f.tag !== 2 && f.tag !== 3) || ss.some((f) => f.tag !== 1 && f.tag !== 2 && f.tag !== 3)) throw new Error("unexpected OTLP protobuf request fields");
      return {
        resource: span.resource,
        scope: scopeKeyOf(span),
        wrap(spans) {
          // ExportTraceServiceRequest{1: ResourceSpans{1: resource, 2: ScopeSpans{1: scope, 2: spans…, 3: schema}, 3: schema}}
          const ssLen = scope.length + spans.length + ssRest.length;
          const ssHead = Buffer.from([0x12, ...varintBytes(ssLen)]);
          const rsLen = resource.length + ssHead.length + ssLen + rsRest.length;
          return Buffer.concat([Buffer.from([0x0a, ...varintBytes(rsLen)]), resource, ssHead, scope, spans, ssRest, rsRest]);
        },
      };
    },
  };
}
