// admin-server: the proxy's own HTTP endpoints: /live (process up), /ready (200 once a config is in
// force and nothing blocks readiness — else 503 with the reason), /config (version + IR JSON, every
// secret's keyPem redacted), /metrics (Prometheus text), and
// /app-health/<container>/<kind> for the app probes the injector pointed here (app-probe.ts; only the
// configured paths, each checked against the app on localhost).
// Takes the engine, extra metric text and the app probes; gives a listening server. Must not: expose key
// material, accept anything but GET/HEAD, or forward a path it was not configured with.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppProbe } from "../../util/app-probes.ts";
import { runAppProbe } from "./app-probe.ts";
import type { EngineState } from "../engine-types.ts";

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/** What the admin server reads of the engine: the state in force and the proxy's own metrics. */
export interface AdminView {
  state(): EngineState | undefined;
  readonly metrics: { render(): string };
}

export function redactedConfig(engine: AdminView): unknown {
  const s = engine.state();
  if (s === undefined) return { version: null, ir: null };
  return {
    version: s.version,
    ir: { ...s.ir, secrets: s.ir.secrets.map((x) => ({ id: x.id, certPem: x.certPem, keyPem: "[redacted]" })) },
  };
}

export interface AdminOptions {
  readonly port: number;
  readonly host?: string;
  readonly extraMetrics?: () => Promise<string> | string;
  /** Rewritten app probes by admin path (pkg/util/app-probes.ts parseAppProbes). */
  readonly appProbes?: ReadonlyMap<string, AppProbe>;
  /** Why the proxy must not be ready whatever its config (e.g. capture cannot work), or undefined. */
  readonly notReady?: () => string | undefined;
}

function readiness(engine: AdminView, opts: AdminOptions): { status: number; body: string } {
  const blocked = opts.notReady?.();
  if (blocked !== undefined) return { status: 503, body: `not ready: ${blocked}\n` };
  return engine.state() !== undefined ? { status: 200, body: "ready\n" } : { status: 503, body: "no config\n" };
}

export async function startAdminServer(engine: AdminView, opts: AdminOptions): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end();
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    switch (path) {
      case "/live":
        return send(200, "text/plain", "ok\n");
      case "/ready": {
        const r = readiness(engine, opts);
        return send(r.status, "text/plain", r.body);
      }
      case "/config":
        return send(200, "application/json", JSON.stringify(redactedConfig(engine), null, 2));
      case "/metrics": {
        void Promise.resolve(opts.extraMetrics?.() ?? "").then(
          (extra) => send(200, "text/plain; version=0.0.4", engine.metrics.render() + extra),
          () => send(200, "text/plain; version=0.0.4", engine.metrics.render()),
        );
        return;
      }
      default: {
        // Only configured paths (parseAppProbes keeps just /app-health/… keys): anything else is 404.
        const probe = path === undefined ? undefined : opts.appProbes?.get(path);
        if (probe === undefined) return send(404, "text/plain", "not found\n");
        void runAppProbe(probe).then((r) => send(r.status, "text/plain", `${r.reason}\n`));
        return;
      }
    }
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
