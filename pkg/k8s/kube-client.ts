// kube-client: a small JSON client for the Kubernetes API over node:https, authenticated from a
// @kubernetes/client-node KubeConfig (client certs, tokens, CA via applyToHTTPSOptions).
// loadKubeConfig reads a kubeconfig (or the default one). Takes a KubeConfig; gives request(method, path, {body, contentType, query}) → parsed JSON, raw
// (no model classes, so list results and watch events have the same shape), over one keep-alive
// agent; credentials are re-read every minute (the old agent is closed a minute later).
// Errors are WeftErrors carrying details.status (HTTP code, 0 for network errors) and the API
// Status reason; response bodies are capped (MAX_RESPONSE_BYTES) and requests time out.
// Must not: log or put credentials or Secret data into error messages.
import https from "node:https";
import http from "node:http";
import { KubeConfig } from "@kubernetes/client-node";
import { WeftError, type WeftErrorCode } from "../errors/weft-error.ts";

export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

export interface KubeClient {
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<T>;
}

function codeFor(status: number): WeftErrorCode {
  if (status === 401) return "WEFT_ERR_UNAUTHENTICATED";
  if (status === 403) return "WEFT_ERR_PERMISSION_DENIED";
  if (status === 404) return "WEFT_ERR_NOT_FOUND";
  if (status === 429) return "WEFT_ERR_RATE_LIMITED";
  if (status === 400 || status === 409 || status === 422) return "WEFT_ERR_VALIDATION";
  return "WEFT_ERR_UNAVAILABLE";
}

/** HTTP status of a failed kube request (0: network), or undefined for other errors. */
export function kubeStatusOf(err: unknown): number | undefined {
  if (!(err instanceof WeftError)) return undefined;
  const s = err.details["status"];
  return typeof s === "number" ? s : undefined;
}

/** Credentials (and thus bearer tokens from exec/auth plugins) are re-read this often. */
const CREDENTIAL_TTL_MS = 60_000;

/** A kubeconfig file, or the default ($KUBECONFIG, ~/.kube/config, in-cluster) when no path is given. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined && path !== "") kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

export function createKubeClient(kc: KubeConfig): KubeClient {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) throw new WeftError("WEFT_ERR_CONFIG", "kubeconfig has no current cluster");
  const base = new URL(server);
  let cached: { at: number; options: https.RequestOptions } | undefined;
  const connection = async (): Promise<https.RequestOptions> => {
    if (cached !== undefined && Date.now() - cached.at < CREDENTIAL_TTL_MS) return cached.options;
    const o: https.RequestOptions = { headers: { Accept: "application/json" } };
    await kc.applyToHTTPSOptions(o);
    const tls = { ca: o.ca, cert: o.cert, key: o.key, servername: o.servername, ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}) };
    const agent = base.protocol === "http:" ? new http.Agent({ keepAlive: true, maxSockets: 16 }) : new https.Agent({ keepAlive: true, maxSockets: 16, ...tls });
    const old = cached?.options.agent as http.Agent | undefined;
    if (old !== undefined) setTimeout(() => old.destroy(), CREDENTIAL_TTL_MS).unref();
    cached = { at: Date.now(), options: { headers: o.headers, ...(o.auth !== undefined ? { auth: o.auth } : {}), agent } };
    return cached.options;
  };
  return {
    async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
      const url = new URL(base.pathname.replace(/\/$/, "") + path, base);
      for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
      const options: https.RequestOptions = { ...(await connection()), method };
      const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
      const headers = { ...(options.headers as Record<string, string>) };
      if (payload !== undefined) {
        headers["Content-Type"] = opts.contentType ?? "application/json";
        headers["Content-Length"] = String(payload.length);
      }
      const mod = url.protocol === "http:" ? http : https;
      return new Promise<T>((resolve, reject) => {
        const req = mod.request(url, { ...options, headers, timeout: opts.timeoutMs ?? 30_000 }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(new WeftError("WEFT_ERR_LIMIT", `response from ${method} ${path} exceeds ${MAX_RESPONSE_BYTES} bytes`, { status: 0 }));
              return;
            }
            chunks.push(c);
          });
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown;
            try {
              body = text === "" ? undefined : JSON.parse(text);
            } catch {
              body = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve(body as T);
              return;
            }
            const b = (body ?? {}) as { reason?: unknown; message?: unknown };
            const message = typeof b.message === "string" ? b.message.slice(0, 500) : `HTTP ${status}`;
            reject(new WeftError(codeFor(status), `${method} ${path}: ${message}`, { status, reason: typeof b.reason === "string" ? b.reason : "" }));
          });
        });
        req.on("timeout", () => req.destroy(new WeftError("WEFT_ERR_TIMEOUT", `${method} ${path} timed out`, { status: 0 })));
        req.on("error", (err) => {
          reject(err instanceof WeftError ? err : new WeftError("WEFT_ERR_UNAVAILABLE", `${method} ${path}: ${err.message}`, { status: 0 }, { cause: err }));
        });
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
  };
}
