// encoded-span-export: the span processor and export behind tracing over OTLP/HTTP (JSON). A sampled span is
// encoded when it ends — OpenTelemetry's own transform (otlp-transformer's sdkSpanToOtlpSpan with its JSON
// encoder, the very code the SDK's OTLP/HTTP exporter runs per span) — and its text written into an off-heap
// buffer that becomes the body of the next export; the SDK span object itself is let go at once. With the
// SDK's batch processor every finished span stayed alive, as a whole object graph, until its batch's export
// had been answered: at 1,000 req/s and 100 % sampling they outlived young-generation collections and were
// promoted (~2.8 kB per request), and the export serialized a whole batch in one piece on the event loop.
// Batches are sent by OpenTelemetry's OTLP/HTTP export delegate (its transport, timeout, retries, concurrency
// limit and partial-success handling), with the envelope (resource, scope) of the same transform around the
// spans: the request body is what the SDK's exporter would send for the same spans.
// Takes the endpoint URL, batch size, delay and concurrency; gives EncodedSpanProcessor (an SDK SpanProcessor).
// Must not: throw from onEnd (a request path), keep an SDK span after onEnd, or hold more than one open batch.
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { otelApi, otelCore, otlpHttpBase, otlpTransformer, otlpTransformerInternal } from "./otel-modules.ts";

/** One export's body: the request's bytes and how many spans it carries. */
export interface EncodedBatch {
  readonly body: Uint8Array;
  readonly count: number;
}

/** Bytes per batch buffer; a span larger than what is left starts a new batch (and one larger than this gets its own). */
const BATCH_BYTES = 256 * 1024;
/** Upper bound of a string's UTF-8 length from its UTF-16 length (3 bytes per code unit at most). */
const utf8Bound = (s: string): number => s.length * 3;

export interface EncodedExportOptions {
  /** Full OTLP/HTTP traces URL (…/v1/traces). */
  readonly url: string;
  readonly maxBatchSpans: number;
  readonly delayMs: number;
  readonly concurrencyLimit: number;
}

export class EncodedSpanProcessor implements SpanProcessor {
  private readonly delegate;
  private readonly opts: EncodedExportOptions;
  private readonly encoder = otlpTransformerInternal().JSON_ENCODER;
  /** The envelope around a batch's spans, for the resource and scope it was made for. */
  private envelope: { resource: unknown; scope: string; head: Buffer; tail: Buffer } | undefined;
  private buf: Buffer | undefined;
  private pos = 0;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(opts: EncodedExportOptions) {
    this.opts = opts;
    const { createOtlpHttpExportDelegate, convertLegacyHttpOptions } = otlpHttpBase();
    const deserialize = otlpTransformer().JsonTraceSerializer.deserializeResponse;
    this.delegate = createOtlpHttpExportDelegate(
      convertLegacyHttpOptions({ url: opts.url, concurrencyLimit: opts.concurrencyLimit }, "TRACES", "v1/traces", { "Content-Type": "application/json" }),
      { serializeRequest: (b: EncodedBatch) => b.body, deserializeResponse: deserialize },
      "otlp_http_span_exporter",
      { name: "span", countItems: (b: EncodedBatch) => b.count },
      undefined,
    );
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped || (span.spanContext().traceFlags & otelApi().TraceFlags.SAMPLED) === 0) return;
    try {
      const text = JSON.stringify(otlpTransformerInternal().sdkSpanToOtlpSpan(span, this.encoder));
      const scope = scopeKey(span);
      if (this.envelope === undefined || this.envelope.resource !== span.resource || this.envelope.scope !== scope) {
        this.flush();
        this.envelope = envelopeOf(span, scope, this.encoder);
      }
      const env = this.envelope;
      const need = utf8Bound(text) + 1 + env.tail.length;
      if (this.buf !== undefined && this.pos + need > this.buf.length) this.flush();
      if (this.buf === undefined) {
        this.buf = Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, env.head.length + need));
        this.pos = env.head.copy(this.buf, 0);
      }
      if (this.count > 0) this.buf[this.pos++] = 0x2c; // ","
      this.pos += this.buf.write(text, this.pos);
      this.count++;
      if (this.count >= this.opts.maxBatchSpans) this.flush();
      else if (this.timer === undefined) {
        this.timer = setTimeout(() => this.flush(), this.opts.delayMs);
        this.timer.unref();
      }
    } catch (e) {
      otelCore().globalErrorHandler(e as Error);
    }
  }

  /** Sends the open batch, if any. */
  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const buf = this.buf, env = this.envelope;
    if (buf === undefined || env === undefined || this.count === 0) return;
    const end = this.pos + env.tail.copy(buf, this.pos);
    const batch: EncodedBatch = { body: buf.subarray(0, end), count: this.count };
    this.buf = undefined;
    this.pos = this.count = 0;
    this.delegate.export(batch, (result) => {
      if (result.code !== otelCore().ExportResultCode.SUCCESS) otelCore().globalErrorHandler(result.error ?? new Error("span export failed"));
    });
  }

  forceFlush(): Promise<void> {
    this.flush();
    return this.delegate.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.flush();
    this.stopped = true;
    await this.delegate.shutdown();
  }
}

/** The scope key OpenTelemetry's transform groups spans by. */
function scopeKey(span: ReadableSpan): string {
  const s = span.instrumentationScope;
  return `${s.name}@${s.version ?? ""}:${s.schemaUrl ?? ""}`;
}

/** The request text before and after the spans, from the transform of one span with its span list emptied. */
function envelopeOf(span: ReadableSpan, scope: string, encoder: unknown): { resource: unknown; scope: string; head: Buffer; tail: Buffer } {
  const { createExportTraceServiceRequest } = otlpTransformerInternal();
  const req = createExportTraceServiceRequest([span], encoder as Parameters<typeof createExportTraceServiceRequest>[1]);
  const scopeSpans = req.resourceSpans?.[0]?.scopeSpans?.[0];
  if (req.resourceSpans?.length !== 1 || scopeSpans === undefined || req.resourceSpans[0]!.scopeSpans.length !== 1) throw new Error("unexpected OTLP request shape");
  scopeSpans.spans = [];
  const text = JSON.stringify(req);
  const marker = '"spans":[]';
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) throw new Error("unexpected OTLP request text");
  const cut = at + marker.length - 1;
  return { resource: span.resource, scope, head: Buffer.from(text.slice(0, cut)), tail: Buffer.from(text.slice(cut)) };
}
