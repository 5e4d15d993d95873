// promlint-metrics: what the proxy's and the controller's /metrics serve passes Prometheus's metrics
// linter (the check `promtool check metrics` runs: client_golang's promlint, tools/promlint) after real
// observations — base units (seconds, not milliseconds), counter names ending in _total, help text on
// every family. The real node's journey checks the live endpoints the same way; this pins each
// registry without a cluster, and that the linter refuses what promtool refuses.
import { expect } from "vitest";
import { ProxyMetrics } from "../../pkg/proxy/metrics.ts";
import { createMetricsRegistry, registerControllerMetrics, registerProxyMetrics } from "../../pkg/telemetry/index.ts";
import { promlintCheck, promlintTier } from "../support/promlint.ts";

promlintTier.describe("Prometheus's metrics linter (promtool check metrics)", () => {
  promlintTier.it("passes the proxy engine's metrics (the request histogram in seconds)", () => {
    const m = new ProxyMetrics();
    for (const ms of [0.4, 3, 40, 700, 12_000]) m.latency.observe(ms);
    m.requests.inc({ face: "gateway", class: "2xx" });
    const text = m.render();
    expect(text).toContain('weft_proxy_request_duration_seconds_bucket{le="0.001"} 1');
    expect(promlintCheck(text)).toBe("");
  });

  promlintTier.it("passes the proxy's and the controller's telemetry registries, process metrics included", async () => {
    const reg = createMetricsRegistry({ processMetrics: true });
    registerProxyMetrics(reg).observeRequest({ face: "gateway", route: "HTTPRoute/default/web", rule: "0", backend: "default/web:80", method: "GET", code: 200, durationSeconds: 0.004 });
    registerControllerMetrics(reg).proxiesConnected.set(3);
    const text = await reg.renderMetrics();
    expect(text).toContain("weft_process_nodejs_active_handles{");
    expect(promlintCheck(text)).toBe("");
  });

  promlintTier.it("names each problem promtool names: a counter in milliseconds without _total, a family without help", () => {
    const text = [
      "# HELP weft_request_latency_milliseconds Request latency.",
      "# TYPE weft_request_latency_milliseconds counter",
      "weft_request_latency_milliseconds 3",
      "# TYPE weft_up gauge",
      "weft_up 1",
      "",
    ].join("\n");
    expect(promlintCheck(text).split("\n")).toEqual([
      'weft_request_latency_milliseconds counter metrics should have "_total" suffix',
      'weft_request_latency_milliseconds use base unit "seconds" instead of "milliseconds"',
      "weft_up no help text",
    ]);
  });

  promlintTier.it("refuses a text that does not parse", () => {
    expect(promlintCheck("# HELP weft_x x\nweft_x{le= 1\n")).toMatch(/^error while linting: text format parsing error in line 2/);
  });
});
