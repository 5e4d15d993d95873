// encoded-span-export: the span processor and export behind tracing over OTLP (HTTP/JSON and gRPC). A sampled
// span is encoded when it ends — by OpenTelemetry's own serializers (otlp-span-codecs.ts), the code the SDK's
// OTLP exporters run — and written into an off-heap buffer that becomes the body of the next export; the SDK
// span object itself is let go at once. With the SDK's batch processor every finished span stayed alive, as a
// whole object graph, until its batch's export had been answered: at 1,000 req/s and 100 % sampling they
// outlived young-generation collections and were promoted (~2.8 kB per request), and each export serialized
// its whole batch in one piece on the event loop.
// Batches are sent by OpenTelemetry's OTLP export delegates (HTTP: otlp-exporter-base; gRPC:
// otlp-grpc-exporter-base — their transport, timeout, retries, concurrency limit and partial-success
// handling). A batch goes out when it holds maxBatchSpans spans or delayMs after its first span.
// Takes the endpoint URL, protocol, batch size, delay and concurrency; gives EncodedSpanProcessor (an SDK SpanProcessor).
// Must not: throw from onEnd (a request path), keep an SDK span after onEnd, or hold more than one open batch.
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { otelApi, otelCore, otlpGrpcBase, otlpHttpBase, otlpTraceSerializers } from "./otel-modules.ts";
import { jsonCodec, protobufCodec, scopeKeyOf, type Envelope, type SpanCodec } from "./otlp-span-codecs.ts";

/** One export's body and how many spans it carries. */
export interface EncodedBatch {
  readonly body: Uint8Array;
  readonly count: number;
}

/** Bytes per batch buffer; a span larger than what is left starts a new batch (and one larger than this gets its own). */
const BATCH_BYTES = 256 * 1024;
/** Upper bound of a string's UTF-8 length from its UTF-16 length (3 bytes per code unit at most). */
const byteBound = (piece: string | Uint8Array): number => (typeof piece === "string" ? piece.length * 3 : piece.length);

export interface EncodedExportOptions {
  /** HTTP: the full traces URL (…/v1/traces); gRPC: the collector's address URL. */
  readonly url: string;
  readonly protocol: "http" | "grpc";
  readonly maxBatchSpans: number;
  readonly delayMs: number;
  readonly concurrencyLimit: number;
}

const METRICS_HELPER = { name: "span" as const, countItems: (b: EncodedBatch) => b.count };

function delegateOf(o: EncodedExportOptions, codec: SpanCodec) {
  if (o.protocol === "grpc") {
    const { createOtlpGrpcExportDelegate, convertLegacyOtlpGrpcOptions } = otlpGrpcBase();
    const pb = otlpTraceSerializers().ProtobufTraceSerializer;
    return createOtlpGrpcExportDelegate(convertLegacyOtlpGrpcOptions({ url: o.url, concurrencyLimit: o.concurrencyLimit }, "TRACES"), {
      serializeRequest: (b: EncodedBatch) => b.body,
      deserializeResponse: (data: Uint8Array) => pb.deserializeResponse(data),
    }, "otlp_grpc_span_exporter", METRICS_HELPER, undefined, "TraceExportService", "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  }
  const { createOtlpHttpExportDelegate, convertLegacyHttpOptions } = otlpHttpBase();
  const json = otlpTraceSerializers().JsonTraceSerializer;
  return createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({ url: o.url, concurrencyLimit: o.concurrencyLimit }, "TRACES", "v1/traces", { "Content-Type": codec.contentType }),
    { serializeRequest: (b: EncodedBatch) => b.body, deserializeResponse: (data: Uint8Array) => json.deserializeResponse(data) },
    "otlp_http_span_exporter",
    METRICS_HELPER,
    undefined,
  );
}

export class EncodedSpanProcessor implements SpanProcessor {
  private readonly opts: EncodedExportOptions;
  private readonly codec: SpanCodec;
  private readonly delegate: ReturnType<typeof delegateOf>;
  /** The envelope of the open batch's resource and scope. */
  private envelope: Envelope | undefined;
  private buf: Buffer | undefined;
  private pos = 0;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(opts: EncodedExportOptions) {
    this.opts = opts;
    this.codec = opts.protocol === "grpc" ? protobufCodec() : jsonCodec();
    this.delegate = delegateOf(opts, this.codec);
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped || (span.spanContext().traceFlags & otelApi().TraceFlags.SAMPLED) === 0) return;
    try {
      const piece = this.codec.encode(span);
      if (this.envelope === undefined || this.envelope.resource !== span.resource || this.envelope.scope !== scopeKeyOf(span)) {
        this.flush();
        this.envelope = this.codec.envelope(span);
      }
      const need = byteBound(piece) + 1;
      if (this.buf !== undefined && this.pos + need > this.buf.length) this.flush();
      this.buf ??= Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, need));
      if (this.count > 0 && this.codec.separator !== undefined) this.buf[this.pos++] = this.codec.separator;
      if (typeof piece === "string") this.pos += this.buf.write(piece, this.pos);
      else {
        this.buf.set(piece, this.pos);
        this.pos += piece.length;
      }
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
    const buf = this.buf, env = this.envelope, count = this.count;
    if (buf === undefined || env === undefined || count === 0) return;
    const batch: EncodedBatch = { body: env.wrap(buf.subarray(0, this.pos), count), count };
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
