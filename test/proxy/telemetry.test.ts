// telemetry: the engine continues the caller's trace (W3C traceparent) and propagates a client span per
// upstream attempt, starts a new trace when none came in, and feeds the shared pkg/telemetry proxy
// metric set (requests by route/backend/code, gRPC codes counted as gRPC).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAccessLog, createMetricsRegistry, initTracing, registerProxyMetrics, type Tracing } from "../../pkg/telemetry/index.ts";
import { h1 } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let up: Echo;
let proxy: ProxyUnderTest;
let tracing: Tracing;
const registry = createMetricsRegistry({});
const pm = registerProxyMetrics(registry);
const accessLines: string[] = [];
const accessLog = createAccessLog({ write: (line: string) => {
  accessLines.push(line);
} });

beforeAll(async () => {
  up = await startEcho("up");
  tracing = initTracing({ enabled: true, serviceName: "weft-proxy-test", protocol: "http", samplingRatio: 1, propagators: ["tracecontext"] });
  proxy = await startProxy(meshIR([cluster("ns/up:80", [endpoint(up.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/up:80")] }]), { tracing, telemetry: pm, accessLog });
});

afterAll(async () => {
  await proxy.close();
  await up.close();
  await tracing.shutdown();
});

describe("tracing and shared metrics", () => {
  it("continues an incoming trace with a new parent span", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const incoming = `00-${traceId}-00f067aa0ba902b7-01`;
    const r = await h1(proxy.port, "/t", { headers: { traceparent: incoming } });
    const tp = String(JSON.parse(r.body).headers.traceparent);
    const [, tid, parent, flags] = tp.split("-");
    expect(tid).toBe(traceId);
    expect(parent).not.toBe("00f067aa0ba902b7");
    expect(parent).toMatch(/^[0-9a-f]{16}$/);
    expect(flags).toBe("01");
  });
  it("starts a trace when none came in", async () => {
    const r = await h1(proxy.port, "/t");
    expect(String(JSON.parse(r.body).headers.traceparent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });
  it("counts requests in the shared metric set by route and backend", async () => {
    await h1(proxy.port, "/m");
    const text = await registry.renderMetrics();
    expect(text).toMatch(/weft_requests_total\{[^}]*route="HTTPRoute\/default\/r0"[^}]*backend="ns\/up:80"[^}]*\} [1-9]/);
  });
  it("writes one access-log line per request with route, backend, request id and trace id, no header values", async () => {
    await h1(proxy.port, "/logged?token=supersecret", { headers: { "x-request-id": "rid-42", authorization: "Bearer hunter2" } });
    const line = await vi.waitUntil(() => accessLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.request_id === "rid-42"), { timeout: 10_000, interval: 10 });
    expect(line).toMatchObject({ status: 200, route: "HTTPRoute/default/r0", backend: "ns/up:80", method: "GET", face: "gateway" });
    expect(String(line?.trace_id)).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(line?.bytes)).toBeGreaterThan(0);
    expect(JSON.stringify(line)).not.toContain("hunter2");
    expect(JSON.stringify(line)).not.toContain("supersecret");
  });
});
