// webhook-server: the HTTPS edge of the injector. Takes TLS key/cert PEM, the config and a
// namespace lookup; gives an https.Server (not yet listening) serving POST /inject (AdmissionReview)
// and GET /healthz. Effects live here; the decision stays in admission.ts / mutate.ts.
// Reads bodies with a hard size cap (413 and the connection closed beyond it), times slow clients
// out, logs one line per decision ("injection decision": the AdmissionReview uid, namespace, pod name
// or generateName*, injected, reason, and for an injected pod its mode, proxy image, capture
// arguments and rewritten probe paths; for a skipped one the problems — never the object, its
// annotations' values beyond the quoted bad ones, env or tokens).
// Rotate certificates with `server.setSecureContext({ key, cert })`.
// Must not: crash on any request, buffer unbounded bodies, or log pod specs.
import type { ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { ControllerMetrics } from "../pkg/telemetry/index.ts";
import { DEFAULT_MAX_BODY_BYTES, reviewResponse, type NamespaceLookup } from "./admission.ts";
import type { InjectorConfig } from "./injector-config.ts";

export interface WebhookServerOptions {
  readonly keyPem: string;
  readonly certPem: string;
  readonly config: InjectorConfig;
  readonly nsLookup: NamespaceLookup;
  readonly path?: string;
  readonly maxBodyBytes?: number;
  /** Where decisions are logged (a pino Logger fits, as does the controller's Log). */
  readonly logger?: DecisionLog;
  /** Counts decisions in weft_injections_total. */
  readonly metrics?: ControllerMetrics;
}

export const DEFAULT_WEBHOOK_PATH = "/inject";

export interface DecisionLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export function createWebhookServer(opts: WebhookServerOptions): Server {
  const path = opts.path ?? DEFAULT_WEBHOOK_PATH;
  const max = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = createServer({ key: opts.keyPem, cert: opts.certPem, minVersion: "TLSv1.2", requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    const url = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && url === "/healthz") {
      send(res, 200, '{"ok":true}');
      return;
    }
    if (url !== path) {
      send(res, 404, '{"error":"not found"}');
      return;
    }
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      send(res, 405, '{"error":"method not allowed"}');
      return;
    }
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > max) {
      res.setHeader("connection", "close");
      res.on("finish", () => req.destroy());
      send(res, 413, JSON.stringify({ error: `body exceeds ${max} bytes` }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on("data", (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > max) {
        aborted = true;
        res.setHeader("connection", "close");
        res.on("finish", () => req.destroy());
        send(res, 413, JSON.stringify({ error: `body exceeds ${max} bytes` }));
        return;
      }
      chunks.push(c);
    });
    req.on("error", () => {
      aborted = true;
    });
    req.on("end", () => {
      if (aborted) return;
      reviewResponse(Buffer.concat(chunks), opts.config, opts.nsLookup, { maxBodyBytes: max })
        .then((r) => {
          if (r.report !== undefined) {
            const rep = r.report;
            opts.logger?.info({
              ...r.subject,
              injected: rep.injected,
              reason: rep.reason,
              ...(rep.injected ? { mode: rep.mode, proxyImage: rep.proxyImage, captureArgs: rep.captureArgs, rewrittenProbes: rep.rewrittenProbes ?? [] } : {}),
              ...(rep.problems !== undefined ? { problems: rep.problems } : {}),
            }, "injection decision");
            opts.metrics?.injections.inc({ injected: String(r.report.injected), reason: r.report.reason });
          } else if (r.httpStatus >= 400) {
            opts.logger?.warn({ status: r.httpStatus, ...r.subject }, "admission request not answered with a decision");
            opts.metrics?.injections.inc({ injected: "false", reason: r.httpStatus >= 500 ? "namespace-lookup-failed" : "bad-request" });
          }
          send(res, r.httpStatus, r.body);
        })
        .catch((e: unknown) => {
          opts.logger?.error({ err: e instanceof Error ? e.message : String(e) }, "admission review failed");
          send(res, 500, '{"error":"internal error"}');
        });
    });
  });
  server.on("clientError", (_e, socket) => {
    socket.destroy();
  });
  return server;
}
