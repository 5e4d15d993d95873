// jaeger: a real Jaeger (v2, `cmd/jaeger` of github.com/jaegertracing/jaeger, built by
// scripts/build-test-cluster.sh jaeger) for tests, and what a person would check in its UI, read from its
// HTTP API (/api/services, /api/traces: the API the UI itself calls, clock-skew adjustment included).
// startJaeger() runs it on 127.0.0.1 with free ports: OTLP/gRPC and OTLP/HTTP receivers, the query API,
// in-memory storage. `jaegerTier` gates tests on the binary ("jaeger" tier, tests/support/tiers.ts).
// jaegerApi(queryUrl) reads the same API of a Jaeger running elsewhere (the real node's in-cluster one,
// test/support/node/cluster-jaeger.ts).
// sendClientSpan(otlpHttp, span) exports one client span over OTLP/HTTP (JSON): a test that sends a sampled
// `traceparent` is a traced client, and its span is the trace's root (else the first hop's parent is missing).
// Gives: services(), traces(service), trace(id), waitForTraces(service, ok, timeoutMs) and traceProblems(trace)
// — the checks a readable trace passes: no span warnings (clock skew adjustments), every child inside its parent,
// every parent present (no orphans).
// Must not: listen on anything but 127.0.0.1, or leave Jaeger running after stop() (an exit hook kills it too).
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pieceBin, toolsetMissing } from "../../tools/toolset.ts";
import { kill, launch, until } from "./child-processes.ts";
import { freePort } from "./free-port.ts";
import { requireTier } from "./tiers.ts";

export const jaegerBin: string | undefined = pieceBin("jaeger", "jaeger");
export const jaegerSkipReason: string | undefined = toolsetMissing(["jaeger"]) ?? (jaegerBin === undefined ? "jaeger binary missing: run scripts/build-test-cluster.sh jaeger" : undefined);
export const jaegerTier = requireTier("jaeger", jaegerSkipReason);

export type TagValue = string | number | boolean;

/** A span as Jaeger shows it: its service and process tags (resource attributes), times in µs. */
export interface JaegerSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** The CHILD_OF reference's span id; "" for a root. */
  readonly parentId: string;
  readonly name: string;
  readonly service: string;
  /** Process tags: the resource attributes other than service.name. */
  readonly process: Readonly<Record<string, TagValue>>;
  readonly tags: Readonly<Record<string, TagValue>>;
  /** µs since the epoch. */
  readonly startUs: number;
  readonly durationUs: number;
  /** Jaeger's warnings on the span (clock skew adjustment, invalid parent, …). */
  readonly warnings: readonly string[];
}

export interface JaegerTrace {
  readonly traceId: string;
  readonly spans: readonly JaegerSpan[];
  /** Trace-level warnings. */
  readonly warnings: readonly string[];
}

/** Jaeger's HTTP query API (the one its UI calls), wherever that Jaeger runs. */
export interface JaegerApi {
  /** The query API and UI base. */
  readonly queryUrl: string;
  services(): Promise<string[]>;
  /** Traces with a span of `service` in the last hour (newest first, at most `limit`). */
  traces(service: string, limit?: number): Promise<JaegerTrace[]>;
  /** Traces of every service Jaeger knows, each once (at most `limit` per service). */
  allTraces(limit?: number): Promise<JaegerTrace[]>;
  trace(traceId: string): Promise<JaegerTrace | undefined>;
  /** Polls traces(service) (allTraces() when undefined) until `ok` holds for what came back, or fails after timeoutMs naming what it saw. */
  waitForTraces(service: string | undefined, ok: (traces: readonly JaegerTrace[]) => boolean, timeoutMs?: number): Promise<JaegerTrace[]>;
}

/** A Jaeger this process started (startJaeger). */
export interface Jaeger extends JaegerApi {
  /** OTLP/HTTP base (`WEFT_TRACING_ENDPOINT` with protocol http; /v1/traces is appended by the exporter). */
  readonly otlpHttp: string;
  /** OTLP/gRPC endpoint. */
  readonly otlpGrpc: string;
  stop(): Promise<void>;
}

interface RawTag {
  key: string;
  type: string;
  value: TagValue;
}
interface RawSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: { refType: string; spanID: string }[] | null;
  startTime: number;
  duration: number;
  tags?: RawTag[] | null;
  processID: string;
  warnings?: string[] | null;
}
interface RawTrace {
  traceID: string;
  spans: RawSpan[];
  processes: Record<string, { serviceName: string; tags?: RawTag[] | null }>;
  warnings?: string[] | null;
}

const tagsOf = (tags: RawTag[] | null | undefined): Record<string, TagValue> => Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));

export function parseJaegerTrace(raw: RawTrace): JaegerTrace {
  const spans = raw.spans.map((s): JaegerSpan => {
    const p = raw.processes[s.processID];
    return {
      traceId: s.traceID,
      spanId: s.spanID,
      parentId: (s.references ?? []).find((r) => r.refType === "CHILD_OF")?.spanID ?? "",
      name: s.operationName,
      service: p?.serviceName ?? "",
      process: tagsOf(p?.tags),
      tags: tagsOf(s.tags),
      startUs: s.startTime,
      durationUs: s.duration,
      warnings: s.warnings ?? [],
    };
  });
  return { traceId: raw.traceID, spans, warnings: raw.warnings ?? [] };
}

/** What keeps a person from reading the trace: span warnings, orphans, children outside their parent (beyond
 *  Jaeger's 1 µs rounding). Empty when fine. */
export function traceProblems(t: JaegerTrace): string[] {
  const problems = t.warnings.map((w) => `trace: ${w}`);
  const byId = new Map(t.spans.map((s) => [s.spanId, s]));
  const label = (s: JaegerSpan): string => `${s.service} "${s.name}" (${s.spanId})`;
  for (const s of t.spans) {
    for (const w of s.warnings) problems.push(`${label(s)}: warning ${w}`);
    if (s.parentId === "") continue;
    const p = byId.get(s.parentId);
    if (p === undefined) {
      problems.push(`${label(s)}: parent ${s.parentId} missing`);
      continue;
    }
    if (s.startUs < p.startUs) problems.push(`${label(s)} starts ${p.startUs - s.startUs} µs before its parent ${label(p)}`);
    // Jaeger keeps whole µs, rounding start and duration apart: equal ends may differ by 1 µs.
    const over = s.startUs + s.durationUs - (p.startUs + p.durationUs);
    if (over > 1) problems.push(`${label(s)} ends ${over} µs after its parent ${label(p)}`);
  }
  return problems;
}

/** The spans as an indented tree (parents first, siblings by start): `service "name" k=v …` per line. */
export function spanTree(t: JaegerTrace, keys: readonly string[] = []): string {
  const children = new Map<string, JaegerSpan[]>();
  for (const s of t.spans) children.set(s.parentId, [...(children.get(s.parentId) ?? []), s]);
  const ids = new Set(t.spans.map((s) => s.spanId));
  const lines: string[] = [];
  const walk = (s: JaegerSpan, depth: number): void => {
    const attrs = keys.filter((k) => s.tags[k] !== undefined).map((k) => `${k}=${String(s.tags[k])}`);
    lines.push(`${"  ".repeat(depth)}${s.service} "${s.name}"${attrs.length > 0 ? ` ${attrs.join(" ")}` : ""}`);
    for (const c of (children.get(s.spanId) ?? []).sort((a, b) => a.startUs - b.startUs)) walk(c, depth + 1);
  };
  for (const root of t.spans.filter((s) => !ids.has(s.parentId)).sort((a, b) => a.startUs - b.startUs)) walk(root, 0);
  return lines.join("\n");
}

interface JaegerPorts {
  grpc: number;
  http: number;
  query: number;
  queryGrpc: number;
  health: number;
}

function configYaml(p: JaegerPorts, host: string): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${p.health}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${p.query}
    grpc:
      endpoint: 127.0.0.1:${p.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${host}:${p.grpc}
      http:
        endpoint: ${host}:${p.http}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Starts Jaeger on loopback; throws (with its log's tail) when it does not answer within 60 s. */
export async function startJaeger(): Promise<Jaeger> {
  if (jaegerBin === undefined) throw new Error(jaegerSkipReason ?? "jaeger missing");
  const dir = await mkdtemp(join(tmpdir(), "weft-jaeger-"));
  const host = "127.0.0.1";
  const ports = { grpc: await freePort(), http: await freePort(), query: await freePort(), queryGrpc: await freePort(), health: await freePort() };
  const config = join(dir, "config.yaml");
  await writeFile(config, configYaml(ports, host));
  const log = join(dir, "jaeger.log");
  const proc: ChildProcess = launch(jaegerBin, ["--config", config], log, { PATH: process.env["PATH"] ?? "", HOME: dir });
  const queryUrl = `http://127.0.0.1:${ports.query}`;
  const stop = async (): Promise<void> => {
    await kill(proc);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until("jaeger query API", async () => (await fetch(`${queryUrl}/api/services`)).ok, 60_000, proc, log);
    await until("jaeger OTLP/HTTP receiver", async () =>
      (await fetch(`http://${host}:${ports.http}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      })).ok, 30_000, proc, log);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    ...jaegerApi(queryUrl),
    otlpHttp: `http://${host}:${ports.http}`,
    otlpGrpc: `http://${host}:${ports.grpc}`,
    stop,
  };
}

/** A client span of the test itself; times on spanClockMs() (pkg/telemetry), the proxies' clock. */
export interface ClientSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly httpStatus: number;
}

/** Exports `s` to the OTLP/HTTP receiver at `otlpHttp` (http://host:4318). */
export async function sendClientSpan(otlpHttp: string, s: ClientSpan): Promise<void> {
  const nanos = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: s.service } }] },
      scopeSpans: [{
        spans: [{
          traceId: s.traceId,
          spanId: s.spanId,
          name: s.name,
          kind: 3,
          startTimeUnixNano: nanos(s.startMs),
          endTimeUnixNano: nanos(s.endMs),
          attributes: [{ key: "http.response.status_code", value: { intValue: String(s.httpStatus) } }],
        }],
      }],
    }],
  };
  const res = await fetch(`${otlpHttp}/v1/traces`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`OTLP export to ${otlpHttp}: ${res.status} ${await res.text()}`);
}

/** The query API at `queryUrl` (http://host:16686). */
export function jaegerApi(queryUrl: string): JaegerApi {
  const traces = async (service: string, limit = 100): Promise<JaegerTrace[]> => {
    const body = await getJson<{ data: RawTrace[] | null }>(`${queryUrl}/api/traces?service=${encodeURIComponent(service)}&limit=${limit}&lookback=1h`);
    return (body.data ?? []).map(parseJaegerTrace);
  };
  const services = async (): Promise<string[]> => ((await getJson<{ data: string[] | null }>(`${queryUrl}/api/services`)).data ?? []).sort();
  const allTraces = async (limit = 100): Promise<JaegerTrace[]> => {
    const byId = new Map<string, JaegerTrace>();
    for (const s of await services()) for (const t of await traces(s, limit)) byId.set(t.traceId, t);
    return [...byId.values()];
  };
  return {
    queryUrl,
    services,
    traces,
    allTraces,
    trace: async (id) => {
      const res = await fetch(`${queryUrl}/api/traces/${id}`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 404) return undefined;
      const raw = (await res.json()) as { data: RawTrace[] | null };
      return raw.data?.[0] === undefined ? undefined : parseJaegerTrace(raw.data[0]);
    },
    async waitForTraces(service, ok, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: JaegerTrace[] = [];
      while (Date.now() < deadline) {
        last = await (service === undefined ? allTraces() : traces(service)).catch(() => last);
        if (ok(last)) return last;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(
        `jaeger: traces of ${service ?? "every service"} did not reach the expected state in ${timeoutMs} ms; got ${last.length}: ${
          last.map((t) => `${t.traceId} (${t.spans.length} spans)`).join(", ")
        }`,
      );
    },
  };
}
