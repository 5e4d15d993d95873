// traces: where `weft local` sends traces. If WEFT_TRACING_ENDPOINT is set it is used as is;
// else if an OTLP/HTTP collector (e.g. Jaeger) answers on 127.0.0.1:4318 it is used; else a tiny
// in-process OTLP/HTTP JSON receiver collects spans and prints one readable line per trace once the
// trace has been quiet for a while: hops (server spans in time order: service, name, status),
// route, status and duration.
// Takes the receiver port and a print function; gives the env for children and a stop function.
// Must not: accept bodies over 4 MiB, keep more than 1,000 open traces, or print header values.
import { createServer, request, type Server } from "node:http";

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: { key: string; value: AnyValue }[];
}
interface OtlpBody {
  resourceSpans?: { resource?: { attributes?: { key: string; value: AnyValue }[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

export interface CollectedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly server: boolean;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attrs: Readonly<Record<string, string>>;
}

const MAX_BODY = 4 << 20;
const MAX_TRACES = 1000;

function valueOf(v: AnyValue): string {
  return v.stringValue ?? (v.intValue !== undefined ? String(v.intValue) : v.boolValue !== undefined ? String(v.boolValue) : v.doubleValue !== undefined ? String(v.doubleValue) : "");
}

export function spansOf(body: OtlpBody): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const res: Record<string, string> = {};
    for (const a of rs.resource?.attributes ?? []) res[a.key] = valueOf(a.value);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const attrs: Record<string, string> = { ...res };
        for (const a of s.attributes ?? []) attrs[a.key] = valueOf(a.value);
        out.push({
          traceId: s.traceId ?? "",
          spanId: s.spanId ?? "",
          parentSpanId: s.parentSpanId ?? "",
          name: s.name ?? "",
          server: s.kind === 2,
          startNs: BigInt(s.startTimeUnixNano ?? 0),
          endNs: BigInt(s.endTimeUnixNano ?? 0),
          attrs,
        });
      }
    }
  }
  return out;
}

/** One line: `trace <id8> <n> hops <ms> ms <status> <route>: gateway GET /reviews 200 → sidecar ... `. */
export function summarizeTrace(spans: readonly CollectedSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const root = spans.find((s) => s.parentSpanId === "" || !ids.has(s.parentSpanId)) ?? spans[0]!;
  const servers = spans.filter((s) => s.server).sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  const status = (s: CollectedSpan): string => s.attrs["rpc.grpc.status_code"] !== undefined ? `grpc=${s.attrs["rpc.grpc.status_code"]}` : s.attrs["http.response.status_code"] ?? "?";
  const hop = (s: CollectedSpan): string => `${s.attrs["service.name"] ?? s.attrs["weft.proxy.mode"] ?? "?"}${s.attrs["weft.peer.identity"] !== undefined ? "(mTLS)" : ""} ${s.name} ${status(s)}`;
  const route = spans.map((s) => s.attrs["weft.route"]).find((r) => r !== undefined && r !== "" && r !== "none") ?? "-";
  const ms = Number(root.endNs - root.startNs) / 1e6;
  return `trace ${root.traceId.slice(0, 8)} ${servers.length} hops ${ms.toFixed(1)} ms status ${status(root)} route ${route}: ${servers.map(hop).join(" → ")}`;
}

export interface TraceSink {
  readonly env: Readonly<Record<string, string>>;
  readonly description: string;
  stop(): Promise<void>;
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" }, timeout: 500 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end("{}");
  });
}

export async function startTraceSink(port: number, print: (line: string) => void, quietMs = 6000): Promise<TraceSink> {
  const base = { WEFT_TRACING_SAMPLING_RATIO: "1" };
  const configured = process.env["WEFT_TRACING_ENDPOINT"];
  if (configured !== undefined && configured !== "") {
    return { env: { ...base, WEFT_TRACING_ENDPOINT: configured }, description: `traces → ${configured} (WEFT_TRACING_ENDPOINT)`, stop: async () => {} };
  }
  if (await answers("http://127.0.0.1:4318/v1/traces")) {
    return { env: { ...base, WEFT_TRACING_ENDPOINT: "http://127.0.0.1:4318", WEFT_TRACING_PROTOCOL: "http" }, description: "traces → OTLP/HTTP collector on 127.0.0.1:4318 (e.g. Jaeger UI on :16686)",
      stop: async () => {} };
  }
  const traces = new Map<string, { spans: CollectedSpan[]; timer: NodeJS.Timeout }>();
  const flush = (id: string): void => {
    const t = traces.get(id);
    traces.delete(id);
    if (t !== undefined && t.spans.length > 0) print(summarizeTrace(t.spans));
  };
  const server: Server = createServer((req, res) => {
    if (req.method !== "POST" || !(req.url ?? "").startsWith("/v1/traces")) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      let spans: CollectedSpan[];
      try {
        spans = spansOf(JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpBody);
      } catch {
        res.writeHead(400).end();
        return;
      }
      for (const s of spans) {
        let t = traces.get(s.traceId);
        if (t === undefined) {
          if (traces.size >= MAX_TRACES) continue;
          t = { spans: [], timer: setTimeout(() => flush(s.traceId), quietMs) };
          traces.set(s.traceId, t);
        }
        t.spans.push(s);
        t.timer.refresh();
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    env: { ...base, WEFT_TRACING_ENDPOINT: `http://127.0.0.1:${port}`, WEFT_TRACING_PROTOCOL: "http" },
    description: `traces → built-in receiver on 127.0.0.1:${port} (one line per trace below; set WEFT_TRACING_ENDPOINT or run Jaeger on :4318 to export)`,
    stop: async () => {
      for (const [id, t] of traces) {
        clearTimeout(t.timer);
        flush(id);
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
