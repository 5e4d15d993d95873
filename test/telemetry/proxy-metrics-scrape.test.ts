// proxy-metrics-scrape: exact metrics through a live proxy. A gateway engine fed with the
// pkg/telemetry proxy metric set serves a known mix of requests on loopback — 200s, 404 no_route,
// 503 no_endpoints, requests that succeed after retries, one mirrored request — then the admin
// server's /metrics is scraped over HTTP, parsed as Prometheus text, and every series of
// weft_requests_total, weft_request_duration_seconds_count, weft_upstream_retries_total,
// weft_mirror_requests_total and weft_connections_total must equal what the mix implies, exactly
// (no missing and no extra series). The expected values are computed from the mix the test sends.
// Then the same through the mesh (hops-mesh.ts: gateway → sidecar A → mesh mTLS → sidecar B → app):
// each engine's /metrics carries the request under its own face label and backend.
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminServer, type AdminServer } from "../../pkg/proxy/admin/admin-server.ts";
import { createMetricsRegistry, registerProxyMetrics, type MetricsRegistry } from "../../pkg/telemetry/index.ts";
import { h1 } from "../proxy/client.ts";
import { startHttpReceiver, type OtlpReceiver } from "../support/otlp/otlp-receiver.ts";
import { GATEWAY_CLUSTER, REVIEWS_CLUSTER, startMesh, type Mesh } from "./hops-mesh.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "../proxy/fixtures.ts";

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text exposition format 0.0.4 (comments skipped; label values unescaped). */
function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (m === null) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? "";
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    let lm: RegExpExecArray | null;
    let consumed = 0;
    while ((lm = re.exec(body)) !== null) {
      labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_s, c: string) => (c === "n" ? "\n" : c));
      consumed = re.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`bad labels: ${body}`);
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Series of one metric as `k=v,…` (keys sorted, `only` keys kept) → value. */
function series(samples: Sample[], name: string, only?: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    const key = Object.keys(s.labels).filter((k) => only === undefined || only.includes(k)).sort().map((k) => `${k}=${s.labels[k]}`).join(",");
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

const keyOf = (labels: Record<string, string>) => Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(",");
const add = (into: Record<string, number>, labels: Record<string, string>, by = 1) => {
  const k = keyOf(labels);
  into[k] = (into[k] ?? 0) + by;
};

const OK = "default/ok:8080";
const EMPTY = "default/empty:8080";
const FLAKY = "default/flaky:8080";
const MIRROR = "default/mirror:8080";

let ok: Echo, flaky: Echo, mirror: Echo;
let proxy: ProxyUnderTest;
let admin: AdminServer;

beforeAll(async () => {
  ok = await startEcho("ok");
  mirror = await startEcho("mirror");
  // Fails the first two calls of every three: each request succeeds on its second retry.
  flaky = await startEcho("flaky", (_req, res, _body, n) => {
    if (n % 3 === 0) return false;
    (res as ServerResponse).writeHead(503);
    res.end();
    return true;
  });
  const registry = createMetricsRegistry();
  const telemetry = registerProxyMetrics(registry);
  const ir = meshIR([cluster(OK, [endpoint(ok.port)]), cluster(EMPTY, []), cluster(FLAKY, [endpoint(flaky.port)]), cluster(MIRROR, [endpoint(mirror.port)])]);
  proxy = await startProxy(ir, tables([
    { matches: [prefix("/ok")], backends: [backend(OK)] },
    { matches: [prefix("/empty")], backends: [backend(EMPTY)] },
    { matches: [prefix("/flaky")], backends: [backend(FLAKY)], retry: { codes: [503], attempts: 2, backoffMs: 1 } },
    { matches: [prefix("/mirrored")], backends: [backend(OK)], filters: [{ type: "RequestMirror", cluster: MIRROR, numerator: 1, denominator: 1 }] },
  ]), { telemetry });
  admin = await startAdminServer(proxy.engine, { port: 0, host: "127.0.0.1", extraMetrics: () => registry.renderMetrics() });
});

afterAll(async () => {
  await proxy?.close();
  await admin?.close();
  for (const e of [ok, flaky, mirror]) await e?.close();
});

interface Planned {
  path: string;
  method: string;
  status: number;
  route: string;
  backend: string;
  retries: number;
  mirrors: number;
}

const route = (i: number) => `HTTPRoute/default/r${i}`;
const MIX: Planned[] = [
  ...Array.from({ length: 7 }, (_, i): Planned => ({ path: `/ok/${i}`, method: i < 5 ? "GET" : "POST", status: 200, route: route(0), backend: OK, retries: 0, mirrors: 0 })),
  ...Array.from({ length: 3 }, (_, i): Planned => ({ path: `/nothing/${i}`, method: "GET", status: 404, route: "none", backend: "none", retries: 0, mirrors: 0 })),
  ...Array.from({ length: 2 }, (_, i): Planned => ({ path: `/empty/${i}`, method: "GET", status: 503, route: route(1), backend: EMPTY, retries: 0, mirrors: 0 })),
  ...Array.from({ length: 2 }, (_, i): Planned => ({ path: `/flaky/${i}`, method: "GET", status: 200, route: route(2), backend: FLAKY, retries: 2, mirrors: 0 })),
  { path: "/mirrored/1", method: "GET", status: 200, route: route(3), backend: OK, retries: 0, mirrors: 1 },
];

describe("metrics scraped from a live proxy's admin /metrics", () => {
  it("equal the request mix exactly", async () => {
    for (const p of MIX) {
      const r = await h1(proxy.port, p.path, { method: p.method, ...(p.method === "POST" ? { body: "x" } : {}) });
      expect(r.status, p.path).toBe(p.status);
    }
    // The mirror copy is fire-and-forget: wait (bounded) until the mirror app saw it.
    for (let i = 0; i < 250 && mirror.seen.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(mirror.seen).toHaveLength(1);
    expect(flaky.seen).toHaveLength(6);

    const scrape = await h1(admin.port, "/metrics");
    expect(scrape.status).toBe(200);
    expect(String(scrape.headers["content-type"])).toContain("text/plain");
    const samples = parsePrometheus(scrape.body);

    const requests: Record<string, number> = {};
    const durations: Record<string, number> = {};
    const retries: Record<string, number> = {};
    const mirrors: Record<string, number> = {};
    for (const p of MIX) {
      add(requests, { route: p.route, rule: p.route === "none" ? "none" : `${p.route}/0`, backend: p.backend, method: p.method, code: String(p.status), face: "gateway" });
      add(durations, { route: p.route, backend: p.backend, face: "gateway" });
      if (p.retries > 0) add(retries, { route: p.route, backend: p.backend }, p.retries);
      if (p.mirrors > 0) add(mirrors, { route: p.route, backend: MIRROR }, p.mirrors);
    }
    expect(series(samples, "weft_requests_total")).toEqual(requests);
    expect(series(samples, "weft_request_duration_seconds_count")).toEqual(durations);
    expect(series(samples, "weft_upstream_retries_total")).toEqual(retries);
    expect(series(samples, "weft_mirror_requests_total")).toEqual(mirrors);
    // One connection per request (the test client does not keep connections alive); the scrape goes to the admin server.
    expect(series(samples, "weft_connections_total")).toEqual({ "face=gateway": MIX.length });
    // Every histogram: +Inf bucket equals _count.
    const inf = series(samples.filter((s) => s.labels["le"] === "+Inf"), "weft_request_duration_seconds_bucket", ["route", "backend", "face"]);
    expect(inf).toEqual(durations);
  });
});

describe("metrics of every face through gateway → sidecar → mesh mTLS → sidecar → app", () => {
  let receiver: OtlpReceiver;
  let mesh: Mesh;
  const registries: Record<"gateway" | "a" | "b", MetricsRegistry> = { gateway: createMetricsRegistry(), a: createMetricsRegistry(), b: createMetricsRegistry() };
  const admins: AdminServer[] = [];
  beforeAll(async () => {
    receiver = await startHttpReceiver();
    mesh = await startMesh({
      receiver,
      exportProtocol: "http",
      hop: "http1",
      telemetry: { gateway: registerProxyMetrics(registries.gateway), a: registerProxyMetrics(registries.a), b: registerProxyMetrics(registries.b) },
      appBehaviour: (req, res) => {
        if (!(req.url ?? "").startsWith("/missing")) return false;
        (res as ServerResponse).writeHead(404);
        res.end();
        return true;
      },
    });
    for (const [engine, reg] of [[mesh.gateway.engine, registries.gateway], [mesh.engineA, registries.a], [mesh.engineB, registries.b]] as const) {
      admins.push(await startAdminServer(engine, { port: 0, host: "127.0.0.1", extraMetrics: () => reg.renderMetrics() }));
    }
  });
  afterAll(async () => {
    for (const a of admins) await a.close();
    await mesh?.close();
    await receiver?.close();
  });

  it("each engine counts the requests under its face, route and backend; histogram counts match", async () => {
    const mix = [...Array.from({ length: 5 }, (_, i) => ({ path: `/reviews/${i}`, status: 200 })), ...Array.from({ length: 2 }, (_, i) => ({ path: `/missing/${i}`, status: 404 }))];
    for (const m of mix) expect((await h1(mesh.gateway.port, m.path)).status).toBe(m.status);
    const hops = [
      { face: "gateway", route: "HTTPRoute/default/r0", rule: "HTTPRoute/default/r0/0", backend: GATEWAY_CLUSTER },
      { face: "sidecar-outbound", route: "none", rule: "none", backend: REVIEWS_CLUSTER },
      { face: "sidecar-inbound", route: "none", rule: "none", backend: "local-app" },
    ];
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i]!;
      const samples = parsePrometheus((await h1(admins[i]!.port, "/metrics")).body);
      const requests: Record<string, number> = {};
      const durations: Record<string, number> = {};
      for (const m of mix) {
        add(requests, { route: hop.route, rule: hop.rule, backend: hop.backend, method: "GET", code: String(m.status), face: hop.face });
        add(durations, { route: hop.route, backend: hop.backend, face: hop.face });
      }
      expect(series(samples, "weft_requests_total"), hop.face).toEqual(requests);
      expect(series(samples, "weft_request_duration_seconds_count"), hop.face).toEqual(durations);
      const conns = series(samples, "weft_connections_total");
      expect(Object.keys(conns), hop.face).toEqual([`face=${hop.face}`]);
      // The gateway's client does not keep connections alive; the sidecars reuse pooled ones.
      if (hop.face === "gateway") expect(conns[`face=${hop.face}`]).toBe(mix.length);
      else expect(conns[`face=${hop.face}`]).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("timeouts through a live proxy", () => {
  let slow: Echo;
  let timeoutProxy: ProxyUnderTest;
  let timeoutAdmin: AdminServer;
  const registry = createMetricsRegistry();
  const SLOW = "default/slow:8080";
  beforeAll(async () => {
    // Answers after 400 ms, far beyond the 60 ms the routes allow.
    slow = await startEcho("slow", (_req, res) => {
      const t = setTimeout(() => {
        (res as ServerResponse).writeHead(200);
        res.end("late");
      }, 400);
      res.on("close", () => clearTimeout(t));
      return true;
    });
    timeoutProxy = await startProxy(meshIR([cluster(SLOW, [endpoint(slow.port)])]), tables([
      { matches: [prefix("/request")], backends: [backend(SLOW)], timeouts: { requestMs: 60 } },
      { matches: [prefix("/attempt")], backends: [backend(SLOW)], timeouts: { backendRequestMs: 60 } },
      { matches: [prefix("/fine")], backends: [backend(SLOW)] },
    ]), { telemetry: registerProxyMetrics(registry) });
    timeoutAdmin = await startAdminServer(timeoutProxy.engine, { port: 0, host: "127.0.0.1", extraMetrics: () => registry.renderMetrics() });
  });
  afterAll(async () => {
    await timeoutProxy?.close();
    await timeoutAdmin?.close();
    await slow?.close();
  });

  it("weft_request_timeouts_total counts request and per-attempt timeouts by route and face, and nothing else", async () => {
    const sent = [
      { path: "/request/1", error: "request_timeout", route: route(0) },
      { path: "/request/2", error: "request_timeout", route: route(0) },
      { path: "/attempt/1", error: "upstream_timeout", route: route(1) },
      { path: "/fine/1", error: undefined, route: route(2) },
    ];
    const expected: Record<string, number> = {};
    for (const s of sent) {
      const r = await h1(timeoutProxy.port, s.path);
      if (s.error === undefined) {
        expect(r.status).toBe(200);
        continue;
      }
      expect(r.status, s.path).toBe(504);
      expect(r.headers["x-weft-error"]).toBe(s.error);
      add(expected, { route: s.route, face: "gateway" });
    }
    const samples = parsePrometheus((await h1(timeoutAdmin.port, "/metrics")).body);
    expect(series(samples, "weft_request_timeouts_total")).toEqual(expected);
  });
});
