// span-cost: cost per request of the tracing work a proxy does (server span from incoming
// headers, one client span, inject into outgoing headers, end both) with tracing off, 1% and
// 100% sampling (spans exported over OTLP/HTTP to an in-process loopback sink), plus the cost of
// recording the request metrics and a baseline measured in the same run (the machine is shared, so
// compare cases within one run, not across runs; cpu_ns_per_op is process CPU time, which includes
// the exporter's background work and is less distorted by other processes than wall time). Prints one JSON object per line. Each mode is bounded by an
// iteration count and a time limit.
import { createServer } from "node:http";
import { createMetricsRegistry, initTracing, registerProxyMetrics, type Tracing } from "../../pkg/telemetry/index.ts";

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

const incoming: Record<string, string> = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00" };

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

function measure(name: string, fn: (i: number) => void): void {
  for (let i = 0; i < WARMUP; i++) fn(i);
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = Date.now() + TIME_LIMIT_MS;
  let n = 0;
  while (n < ITERATIONS && (n % 1000 !== 0 || Date.now() < deadline)) fn(n++);
  const ns = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpu0);
  const cpuNs = (cpu.user + cpu.system) * 1000;
  process.stdout.write(
    `${JSON.stringify({ bench: "telemetry", case: name, iterations: n, ns_per_op: Math.round(ns / n), cpu_ns_per_op: Math.round(cpuNs / n), ops_per_sec: Math.round((n * 1e9) / ns) })}\n`,
  );
}

// Reference under the same machine load: only the header plumbing a proxy does anyway.
measure("baseline/header-get+outgoing-object", () => {
  const out: Record<string, string> = {};
  out["x-request-id"] = incoming["traceparent"] ?? "";
});

const modes: [string, Tracing][] = [
  ["tracing-off", initTracing(undefined)],
  ["sampling-1pct", initTracing({ serviceName: "bench", protocol: "http", otlpEndpoint: endpoint, samplingRatio: 0.01, propagators: ["tracecontext", "b3"], exportDelayMs: 200 })],
  ["sampling-100pct", initTracing({ serviceName: "bench", protocol: "http", otlpEndpoint: endpoint, samplingRatio: 1, propagators: ["tracecontext", "b3"], exportDelayMs: 200 })],
];
for (const [name, t] of modes) {
  measure(`span-server+client+inject+end/${name}/new-trace`, () => oneRequest(t, {}));
  if (t.enabled) measure(`span-server+client+inject+end/${name}/propagated-unsampled`, () => oneRequest(t, incoming));
  await t.shutdown();
}

const pm = registerProxyMetrics(createMetricsRegistry());
measure("metrics-observeRequest",
  (i) => pm.observeRequest({ face: "gateway", route: "HTTPRoute/default/reviews", rule: "0", backend: `default/reviews-v${i % 3}:9080`, method: "GET", code: 200, durationSeconds: 0.004 }));

sink.closeAllConnections();
sink.close();
