// span-cost: cost per request of the tracing work a proxy does (server span from incoming
// headers, one client span, inject into outgoing headers, end both) with tracing off, 1% and
// 100% sampling (spans exported over OTLP/HTTP to an in-process loopback sink), plus the cost of
// recording the request metrics and a baseline measured in the same run (the machine is shared, so
// compare cases within one run, not across runs; cpu_ns_per_op is process CPU time, which includes
// the exporter's background work and is less distorted by other processes than wall time). Prints one JSON object per line. Each mode is bounded by an
// iteration count and a time limit. The tracers use the shipped propagators (tracecontext, baggage, b3); the
// propagated cases are what a Weft hop receives from the previous one (traceparent and b3, not sampled / sampled).
// BENCH_BASELINE=<another checkout>: that checkout's pkg/telemetry is loaded into the same process and every
// tracing case runs for both builds, alternating, BENCH_ROUNDS times (default 3), with a "telemetry-ab" line
// per case (medians over the rounds): a before/after side by side under the same load. Then the event-loop
// stall of one export by batch size, OTLP/HTTP JSON vs OTLP/gRPC protobuf ("export-sync" cases), and the
// CPU per span of exporting by batch size ("export-cpu" cases).
import { createServer } from "node:http";
import { join, resolve } from "node:path";
import { createMetricsRegistry, DEFAULT_PROPAGATORS, initTracing, registerProxyMetrics, type Tracing } from "../../pkg/telemetry/index.ts";
import { otelSdk, otlpGrpcExporter, otlpHttpExporter } from "../../pkg/telemetry/otel-modules.ts";

const ITERATIONS = 50_000;
const TIME_LIMIT_MS = 8_000;
const WARMUP = 5_000;

const sink = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200).end("{}"));
});
await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
const addr = sink.address();
const endpoint = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;

const incoming: Record<string, string> = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", b3: "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0" };
/** What a hop receives from a sampling one (an inbound sidecar at 100 %). */
const incomingSampled: Record<string, string> = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", b3: "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1" };

function oneRequest(t: Tracing, headersIn: Record<string, string>): void {
  const server = t.startServerSpan((n) => headersIn[n], { "http.request.method": "GET", "http.route": "/reviews", "url.path": "/reviews/1", "weft.route": "HTTPRoute/default/reviews" });
  const client = t.startClientSpan(server, { "weft.backend": "default/reviews-v1:9080", "weft.attempt": 0 });
  const out: Record<string, string> = {};
  t.inject(client, (k, v) => {
    out[k] = v;
  });
  client.end({ httpStatus: 200 });
  server.end({ httpStatus: 200 });
}

function measure(name: string, fn: (i: number) => void, extra: Record<string, unknown> = {}): { cpu_ns_per_op: number; ns_per_op: number } {
  for (let i = 0; i < WARMUP; i++) fn(i);
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = Date.now() + TIME_LIMIT_MS;
  let n = 0;
  while (n < ITERATIONS && (n % 1000 !== 0 || Date.now() < deadline)) fn(n++);
  const ns = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpu0);
  const cpuNs = (cpu.user + cpu.system) * 1000;
  const r = { ns_per_op: Math.round(ns / n), cpu_ns_per_op: Math.round(cpuNs / n) };
  process.stdout.write(`${JSON.stringify({ bench: "telemetry", case: name, ...extra, iterations: n, ...r, ops_per_sec: Math.round((n * 1e9) / ns) })}\n`);
  return r;
}

// Reference under the same machine load: only the header plumbing a proxy does anyway.
measure("baseline/header-get+outgoing-object", () => {
  const out: Record<string, string> = {};
  out["x-request-id"] = incoming["traceparent"] ?? "";
});

type Init = typeof initTracing;
const baselineDir = process.env.BENCH_BASELINE;
const builds: [string, Init][] = [["this", initTracing]];
if (baselineDir !== undefined && baselineDir !== "") {
  const mod = (await import(join(resolve(baselineDir), "pkg/telemetry/index.ts"))) as { initTracing: Init };
  builds.push(["baseline", mod.initTracing]);
}
const rounds = builds.length > 1 ? Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3)) : 1;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const modes: [string, number | undefined][] = [["tracing-off", undefined], ["sampling-1pct", 0.01], ["sampling-100pct", 1]];
const figures = new Map<string, number[]>();
for (let round = 1; round <= rounds; round++) {
  for (const [mode, ratio] of modes) {
    for (const [build, init] of round % 2 === 0 ? [...builds].reverse() : builds) {
      const t = init(ratio === undefined ? undefined : { serviceName: "bench", protocol: "http", otlpEndpoint: endpoint, samplingRatio: ratio, propagators: DEFAULT_PROPAGATORS, exportDelayMs: 200 });
      const cases: [string, Record<string, string>][] = t.enabled ? [["new-trace", {}], ["propagated-unsampled", incoming], ["propagated-sampled", incomingSampled]] : [["new-trace", {}]];
      for (const [c, headersIn] of cases) {
        const name = `span-server+client+inject+end/${mode}/${c}`;
        const r = measure(name, () => oneRequest(t, headersIn), builds.length > 1 ? { build, round } : {});
        figures.set(`${name}|${build}`, [...(figures.get(`${name}|${build}`) ?? []), r.cpu_ns_per_op]);
      }
      await t.shutdown();
    }
  }
}
if (builds.length > 1) {
  for (const [key, mine] of figures) {
    const [name, build] = key.split("|");
    const base = figures.get(`${name}|baseline`);
    if (build !== "this" || base === undefined) continue;
    process.stdout.write(
      `${
        JSON.stringify({ bench: "telemetry-ab", case: name, baseline: baselineDir, rounds, cpu_ns_per_op_median: median(mine), baseline_cpu_ns_per_op_median: median(base),
          ratio: Math.round((median(mine) / median(base)) * 100) / 100 })
      }\n`,
    );
  }
}

// What one export costs the event loop: the synchronous part of the exporter's export() (serialization;
// the send is asynchronous) for batches of sidecar-like server spans, OTLP/HTTP JSON vs OTLP/gRPC protobuf,
// median of 40 exports to a closed loopback port. This is the stall a request arriving meanwhile waits out.
{
  const sdk = otelSdk();
  const memory = new sdk.InMemorySpanExporter();
  const provider = new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer("bench");
  for (let i = 0; i < 512; i++) {
    tracer.startSpan("GET /reviews/*", {
      kind: 1,
      attributes: { "http.request.method": "GET", "http.route": "/reviews/*", "url.path": `/reviews/${i}`, "url.scheme": "https", "client.address": "10.0.0.1", "user_agent.original": "curl/8.5.0",
        "weft.route": "HTTPRoute/default/reviews", "weft.rule": "0", "weft.backend": "default/reviews-v1:9080", "weft.config.version": "12",
        "weft.peer.identity": "spiffe://cluster.local/ns/bench/sa/client", "network.protocol.version": "1.1", "http.request.header.x-request-id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "http.response.status_code": 200 },
    }).end();
  }
  const spans = memory.getFinishedSpans();
  const exporters = { "http-json": () => new (otlpHttpExporter().OTLPTraceExporter)({ url: "http://127.0.0.1:9/v1/traces" }),
    "grpc-protobuf": () => new (otlpGrpcExporter().OTLPTraceExporter)({ url: "http://127.0.0.1:9" }) };
  for (const size of [32, 64, 128, 512]) {
    for (const [name, make] of Object.entries(exporters)) {
      const e = make();
      const batch = spans.slice(0, size);
      const ms: number[] = [];
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now();
        e.export(batch, () => {});
        ms.push(performance.now() - t0);
      }
      const m = median(ms);
      process.stdout.write(
        `${
          JSON.stringify({ bench: "telemetry", case: `export-sync/${name}/batch-${size}`, exports: ms.length, stall_ms_median: Math.round(m * 1000) / 1000,
            us_per_span: Math.round((m / size) * 1e4) / 10 })
        }\n`,
      );
      await e.shutdown().catch(() => {});
    }
  }
  // What exporting costs in all, by batch size: process CPU (exporter and the loopback sink) per span for
  // 512 × 40 spans sent one export after the other, as the batch processor sends them.
  for (const size of [64, 128, 512]) {
    const e = new (otlpHttpExporter().OTLPTraceExporter)({ url: `${endpoint}/v1/traces` });
    const batch = spans.slice(0, size);
    const total = 512 * 40;
    const cpu0 = process.cpuUsage();
    for (let n = 0; n < total; n += size) await new Promise<void>((done) => e.export(batch, () => done()));
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(
      `${JSON.stringify({ bench: "telemetry", case: `export-cpu/http-json/batch-${size}`, spans: total, cpu_us_per_span: Math.round(((cpu.user + cpu.system) / total) * 10) / 10 })}\n`,
    );
    await e.shutdown();
  }
  await provider.shutdown();
}

const pm = registerProxyMetrics(createMetricsRegistry());
measure("metrics-observeRequest",
  (i) => pm.observeRequest({ face: "gateway", route: "HTTPRoute/default/reviews", rule: "0", backend: `default/reviews-v${i % 3}:9080`, method: "GET", code: 200, durationSeconds: 0.004 }));

sink.closeAllConnections();
sink.close();
