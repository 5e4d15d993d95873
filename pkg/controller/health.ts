// health: the controller's admin HTTP endpoints.
// Takes a port/address, a readiness function and the metrics renderer; gives a server with GET /live
// and /healthz (alive, 200), GET /ready (200 once caches are synced and the first translate ran, else
// 503), GET /status (JSON: ready, leader, passes) and GET /metrics (Prometheus text: the controller
// metric set of pkg/telemetry and weft_process_*). Anything else is 404; bodies are never read.
// Must not: expose configuration, secrets or object contents.
import { createServer, type Server } from "node:http";

export interface HealthState {
  ready(): boolean;
  info(): Record<string, string | number | boolean>;
  /** Prometheus exposition (pkg/telemetry MetricsRegistry); absent: /metrics is 404. */
  readonly metrics?: { renderMetrics(): Promise<string>; readonly contentType: string };
}

export async function startHealthServer(address: string, port: number, state: HealthState): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/healthz" || path === "/live") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/ready") {
      const ok = state.ready();
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ready\n" : "not ready: caches syncing\n");
    } else if (path === "/status") {
      res.writeHead(200, { "content-type": "application/json" }).end(`${JSON.stringify({ ready: state.ready(), ...state.info() })}\n`);
    } else if (path === "/metrics" && state.metrics !== undefined) {
      const m = state.metrics;
      m.renderMetrics().then(
        (text) => res.writeHead(200, { "content-type": m.contentType }).end(text),
        () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n"),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  server.requestTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  const a = server.address();
  return { server, port: a !== null && typeof a === "object" ? a.port : port };
}
