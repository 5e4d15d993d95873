// promtool-metrics: what the proxy's and the controller's /metrics serve passes Prometheus's own
// `promtool check metrics` after real observations — base units (seconds, not milliseconds), counter
// names ending in _total, help text on every family. The real node's journey checks the live endpoints
// the same way; this pins each registry without a cluster.
import { expect } from "vitest";
import { ProxyMetrics } from "../../pkg/proxy/metrics.ts";
import { createMetricsRegistry, registerControllerMetrics, registerProxyMetrics } from "../../pkg/telemetry/index.ts";
import { promtoolCheck, promtoolTier } from "../support/promtool.ts";

promtoolTier.describe("promtool check metrics", () => {
  promtoolTier.it("passes the proxy engine's metrics (the request histogram in seconds)", () => {
    const m = new ProxyMetrics();
    for (const ms of [0.4, 3, 40, 700, 12_000]) m.latency.observe(ms);
    m.requests.inc({ face: "gateway", class: "2xx" });
    const text = m.render();
    expect(text).toContain('weft_proxy_request_duration_seconds_bucket{le="0.001"} 1');
    expect(promtoolCheck(text)).toBe("");
  });

  promtoolTier.it("passes the proxy's and the controller's telemetry registries, process metrics included", async () => {
    const reg = createMetricsRegistry({ processMetrics: true });
    registerProxyMetrics(reg).observeRequest({ face: "gateway", route: "HTTPRoute/default/web", rule: "0", backend: "default/web:80", method: "GET", code: 200, durationSeconds: 0.004 });
    registerControllerMetrics(reg).proxiesConnected.set(3);
    const text = await reg.renderMetrics();
    expect(text).toContain("weft_process_nodejs_active_handles{");
    expect(promtoolCheck(text)).toBe("");
  });
});
