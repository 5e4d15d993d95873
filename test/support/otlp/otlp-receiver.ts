// otlp-receiver: in-test OTLP trace receivers on loopback. HTTP: node:http on /v1/traces parsing
// OTLP/JSON. gRPC: @grpc/grpc-js serving TraceService/Export, decoded with the hand-written
// trace-service.proto subset. Both normalise spans to ReceivedSpan.
// Must not: listen on anything but 127.0.0.1, or keep running after close().
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

export type AttrValue = string | number | boolean;

export interface ReceivedSpan {
  readonly serviceName: string;
  readonly traceId: string;
  readonly spanId: string;
  /** "" for a root span. */
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly name: string;
  /** OTLP SpanKind: 2 server, 3 client. */
  readonly kind: number;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly attributes: Readonly<Record<string, AttrValue>>;
  /** The resource's attributes (service.name included). */
  readonly resource: Readonly<Record<string, AttrValue>>;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

export interface OtlpReceiver {
  /** Endpoint to give the exporter. */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Resolves once at least `n` spans arrived; rejects after `timeoutMs`. */
  waitForSpans(n: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface RawKeyValue {
  key?: string;
  value?: Record<string, unknown>;
}
interface RawSpan {
  traceId?: unknown;
  spanId?: unknown;
  parentSpanId?: unknown;
  traceState?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  status?: { code?: number; message?: string };
  attributes?: RawKeyValue[];
}
interface RawRequest {
  resourceSpans?: { resource?: { attributes?: RawKeyValue[] }; scopeSpans?: { spans?: RawSpan[] }[] }[];
}

function hexOf(id: unknown): string {
  if (id === undefined || id === null) return "";
  if (typeof id === "string") return id.toLowerCase();
  if (id instanceof Uint8Array) return Buffer.from(id).toString("hex");
  return "";
}

function attrsOf(kvs: RawKeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of kvs ?? []) {
    const v = kv.value ?? {};
    const raw = v["stringValue"] ?? v["boolValue"] ?? v["intValue"] ?? v["doubleValue"];
    if (kv.key === undefined || raw === undefined) continue;
    out[kv.key] = v["intValue"] !== undefined ? Number(raw) : (raw as AttrValue);
  }
  return out;
}

function normalise(req: RawRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attrsOf(rs.resource?.attributes);
    const serviceName = String(resource["service.name"] ?? "");
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          serviceName,
          traceId: hexOf(s.traceId),
          spanId: hexOf(s.spanId),
          parentSpanId: hexOf(s.parentSpanId),
          traceState: s.traceState ?? "",
          name: s.name ?? "",
          kind: Number(s.kind ?? 0),
          statusCode: Number(s.status?.code ?? 0),
          statusMessage: s.status?.message ?? "",
          attributes: attrsOf(s.attributes),
          resource,
          startNs: BigInt(s.startTimeUnixNano ?? 0),
          endNs: BigInt(s.endTimeUnixNano ?? 0),
        });
      }
    }
  }
  return out;
}

function receiverOf(endpoint: string, spans: ReceivedSpan[], close: () => Promise<void>): OtlpReceiver {
  return {
    endpoint,
    spans,
    async waitForSpans(n, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (spans.length < n) {
        if (Date.now() > until) throw new Error(`OTLP receiver: ${spans.length} of ${n} spans after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return spans;
    },
    close,
  };
}

export async function startHttpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      try {
        spans.push(...normalise(JSON.parse(Buffer.concat(chunks).toString("utf8")) as RawRequest));
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return receiverOf(`http://127.0.0.1:${port}`, spans, () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }));
}

export async function startGrpcReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const def = protoLoader.loadSync(join(import.meta.dirname, "trace-service.proto"), { keepCase: false, longs: String, defaults: false, oneofs: false });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    opentelemetry: { proto: { collector: { trace: { v1: { TraceService: { service: grpc.ServiceDefinition } } } } } };
  };
  const server = new grpc.Server();
  server.addService(pkg.opentelemetry.proto.collector.trace.v1.TraceService.service, {
    Export(call: grpc.ServerUnaryCall<RawRequest, object>, cb: grpc.sendUnaryData<object>) {
      spans.push(...normalise(call.request));
      cb(null, {});
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return receiverOf(`http://127.0.0.1:${port}`, spans, () => new Promise((r) => server.tryShutdown(() => r())));
}
