// Metrics: exact counter and histogram values in the Prometheus text output after a known mix of
// observations; bounded label values; every documented metric name is exposed; registries are
// independent.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMetricsRegistry, registerControllerMetrics, registerProxyMetrics, REQUEST_DURATION_BUCKETS, type RequestObservation } from "../../pkg/telemetry/index.ts";
import { fcParams } from "../support/fast-check-env.ts";

/** Parses Prometheus text into `name{labels}` → value (label order as rendered). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Each sample named in `expected` has exactly that value. */
function expectSamples(s: Map<string, number>, expected: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(expected)) expect(s.get(name), name).toBe(value);
}

function sumWhere(s: Map<string, number>, name: string, needle: string): number {
  let total = 0;
  for (const [k, v] of s) if (k.startsWith(`${name}{`) && k.includes(needle)) total += v;
  return total;
}

const base: RequestObservation = { face: "gateway", route: "HTTPRoute/default/reviews", rule: "0", backend: "default/reviews-v1:9080", method: "GET", code: 200, durationSeconds: 0.003 };

describe("proxy metrics", () => {
  it("counts requests and fills histogram buckets exactly", async () => {
    const reg = createMetricsRegistry();
    const pm = registerProxyMetrics(reg);
    const durations = [0.0005, 0.003, 0.003, 0.02, 0.2, 0.2, 0.2, 3, 100];
    for (const d of durations) pm.observeRequest({ ...base, durationSeconds: d });
    pm.observeRequest({ ...base, code: 503, durationSeconds: 0.01 });
    pm.observeRequest({ ...base, face: "sidecar-outbound", method: "post", durationSeconds: 0.01 });
    const s = samples(await reg.renderMetrics());
    expectSamples(s, {
      'weft_requests_total{route="HTTPRoute/default/reviews",rule="0",backend="default/reviews-v1:9080",method="GET",code="200",face="gateway"}': 9,
      'weft_requests_total{route="HTTPRoute/default/reviews",rule="0",backend="default/reviews-v1:9080",method="GET",code="503",face="gateway"}': 1,
      'weft_requests_total{route="HTTPRoute/default/reviews",rule="0",backend="default/reviews-v1:9080",method="POST",code="200",face="sidecar-outbound"}': 1,
    });
    const h = (le: string) => s.get(`weft_request_duration_seconds_bucket{le="${le}",route="HTTPRoute/default/reviews",backend="default/reviews-v1:9080",face="gateway"}`);
    const all = [...durations, 0.01];
    for (const le of REQUEST_DURATION_BUCKETS) expect(h(String(le))).toBe(all.filter((d) => d <= le).length);
    expect(h("+Inf")).toBe(10);
    expect(s.get('weft_request_duration_seconds_count{route="HTTPRoute/default/reviews",backend="default/reviews-v1:9080",face="gateway"}')).toBe(10);
    expect(s.get('weft_request_duration_seconds_sum{route="HTTPRoute/default/reviews",backend="default/reviews-v1:9080",face="gateway"}')).toBeCloseTo(all.reduce((a, b) => a + b, 0), 9);
  });

  it("keeps label values bounded whatever method and code a client sends", async () => {
    const reg = createMetricsRegistry();
    const pm = registerProxyMetrics(reg);
    fc.assert(fc.property(fc.string({ maxLength: 20 }), fc.integer({ min: -1000, max: 5000 }), (method, code) => {
      pm.observeRequest({ ...base, method, code });
    }), fcParams(300));
    pm.observeRequest({ ...base, code: 16, grpc: true, method: "POST" });
    pm.observeRequest({ ...base, code: 99, grpc: true, method: "POST" });
    const s = samples(await reg.renderMetrics());
    const methods = new Set<string>();
    const codes = new Set<string>();
    for (const k of s.keys()) {
      if (!k.startsWith("weft_requests_total{")) continue;
      methods.add(/method="([^"]*)"/.exec(k)![1]!);
      codes.add(/code="([^"]*)"/.exec(k)![1]!);
    }
    for (const m of methods) expect(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER"]).toContain(m);
    for (const c of codes) expect(c === "other" || (Number(c) >= 0 && Number(c) <= 599)).toBe(true);
    expect(codes.has("16")).toBe(true);
    expect(sumWhere(s, "weft_requests_total", "")).toBe(302);
  });

  it("tracks connections, retries, timeouts, mirrors and mTLS failures", async () => {
    const reg = createMetricsRegistry();
    const pm = registerProxyMetrics(reg);
    for (let i = 0; i < 5; i++) pm.connectionOpened("sidecar-inbound");
    for (let i = 0; i < 3; i++) pm.connectionClosed("sidecar-inbound");
    pm.upstreamRetries.inc({ route: "r", backend: "b" }, 2);
    pm.requestTimeouts.inc({ route: "r", face: "gateway" });
    pm.mirrorRequests.inc({ route: "r", backend: "m" });
    pm.mtlsHandshakeFailed("unknown_ca");
    pm.mtlsHandshakeFailed("unknown_ca");
    pm.mtlsHandshakeFailed("identity_mismatch");
    const s = samples(await reg.renderMetrics());
    expectSamples(s, {
      'weft_connections_active{face="sidecar-inbound"}': 2,
      'weft_connections_total{face="sidecar-inbound"}': 5,
      'weft_upstream_retries_total{route="r",backend="b"}': 2,
      'weft_request_timeouts_total{route="r",face="gateway"}': 1,
      'weft_mirror_requests_total{route="r",backend="m"}': 1,
      'weft_mtls_handshake_failures_total{reason="unknown_ca"}': 2,
      'weft_mtls_handshake_failures_total{reason="identity_mismatch"}': 1,
    });
  });
});

describe("controller metrics and registries", () => {
  it("exposes every documented metric with HELP and TYPE, plus default labels", async () => {
    const reg = createMetricsRegistry({ defaultLabels: { component: "controller" } });
    registerProxyMetrics(reg);
    const cm = registerControllerMetrics(reg);
    cm.translateDuration.observe(0.02);
    cm.translateDuration.observe(0.3);
    cm.configPushDuration.observe(0.004);
    cm.proxiesConnected.set(7);
    cm.configNacks.inc();
    cm.certificatesSigned.inc(3);
    const text = await reg.renderMetrics();
    const names: [string, string][] = [
      ["weft_requests_total", "counter"],
      ["weft_request_duration_seconds", "histogram"],
      ["weft_upstream_retries_total", "counter"],
      ["weft_request_timeouts_total", "counter"],
      ["weft_mirror_requests_total", "counter"],
      ["weft_connections_active", "gauge"],
      ["weft_connections_total", "counter"],
      ["weft_mtls_handshake_failures_total", "counter"],
      ["weft_translate_duration_seconds", "histogram"],
      ["weft_config_push_duration_seconds", "histogram"],
      ["weft_proxies_connected", "gauge"],
      ["weft_config_nacks_total", "counter"],
      ["weft_certificates_signed_total", "counter"],
      ["weft_injections_total", "counter"],
    ];
    for (const [n, type] of names) {
      expect(text).toContain(`# HELP ${n} `);
      expect(text).toContain(`# TYPE ${n} ${type}`);
    }
    const s = samples(text);
    expectSamples(s, {
      'weft_translate_duration_seconds_count{component="controller"}': 2,
      'weft_translate_duration_seconds_bucket{le="0.025",component="controller"}': 1,
      'weft_config_push_duration_seconds_count{component="controller"}': 1,
      'weft_proxies_connected{component="controller"}': 7,
      'weft_config_nacks_total{component="controller"}': 1,
      'weft_certificates_signed_total{component="controller"}': 3,
    });
    expect(reg.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("keeps two registries independent", async () => {
    const a = createMetricsRegistry();
    const b = createMetricsRegistry();
    registerControllerMetrics(a).configNacks.inc(4);
    registerControllerMetrics(b);
    expect(samples(await a.renderMetrics()).get("weft_config_nacks_total")).toBe(4);
    expect(samples(await b.renderMetrics()).get("weft_config_nacks_total")).toBe(0);
  });
});
