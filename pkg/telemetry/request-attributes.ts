// request-attributes: what a span says about the request it stands for, per the OpenTelemetry HTTP and RPC
// semantic conventions — server spans: url.path, url.query, url.scheme (https on a mesh mTLS hop),
// client.address, network.peer.address, user_agent.original, http.request.header.x-request-id; client
// spans: named for what they call (`{method} {backend}`, gRPC `{service}/{method}`), url.scheme, server.*;
// and the Weft reason an answer carries (x-weft-error) for the span's error.type.
// Takes plain request facts (no proxy types); gives attribute maps and names. Callers compute them only for
// sampled spans (a dropped request pays nothing).
// Must not: put secrets on a span — paths and queries pass through the log redaction (secret-looking query
// values, credentials, JWTs become [REDACTED]); no header other than user-agent, x-forwarded-for and
// x-request-id is read (none of them carries a credential; the access log keeps the request id as is too).
import { scrubString } from "./redaction.ts";
import { rpcAttributesOf } from "./rpc-attributes.ts";
import type { SpanAttributes } from "./span-attributes.ts";

type Header = string | readonly string[] | undefined;

export interface ServerRequestFacts {
  /** Request target as received (path and query). */
  readonly target: string;
  /** Scheme the client used towards this proxy. */
  readonly scheme: "http" | "https";
  /** The request came over mesh mTLS (a verified peer identity): the hop is https whatever the app spoke. */
  readonly mtls: boolean;
  readonly remoteAddress: string | undefined;
  readonly userAgent: Header;
  readonly forwardedFor: Header;
}

const first = (h: Header): string | undefined => (typeof h === "string" ? h : h?.[0]);
/** `::ffff:10.0.0.1` → `10.0.0.1` (a dual-stack listener's IPv4 peer). */
const plainAddress = (a: string | undefined): string | undefined => (a?.startsWith("::ffff:") === true && a.includes(".") ? a.slice(7) : a);

/** The leftmost x-forwarded-for entry: the original client (semconv client.address), when present. */
function originalClient(xff: Header): string | undefined {
  const v = first(xff);
  if (v === undefined) return undefined;
  const c = v.split(",")[0]!.trim();
  return c === "" ? undefined : c;
}

/** Sets url.path/url.query of a request target on `out`, redacted as the access log redacts its path. */
function setUrl(out: SpanAttributes, target: string): SpanAttributes {
  const q = target.indexOf("?");
  out["url.path"] = scrubString(q < 0 ? target : target.slice(0, q));
  if (q >= 0 && q < target.length - 1) out["url.query"] = scrubString(target.slice(q)).slice(1);
  return out;
}

/** url.path/url.query of a request target, redacted as the access log redacts its path. */
export function urlAttributes(target: string): SpanAttributes {
  return setUrl({}, target);
}

export function serverRequestAttributes(f: ServerRequestFacts): SpanAttributes {
  const out = setUrl({}, f.target);
  out["url.scheme"] = f.mtls ? "https" : f.scheme;
  const peer = plainAddress(f.remoteAddress);
  const client = originalClient(f.forwardedFor) ?? peer;
  if (client !== undefined) out["client.address"] = client;
  // The immediate peer only when it is not the client already (a proxy or load balancer in between).
  if (peer !== undefined && peer !== client) out["network.peer.address"] = peer;
  const ua = first(f.userAgent);
  if (ua !== undefined) out["user_agent.original"] = ua;
  return out;
}

/** The request id a proxy forwards (received or made), as the semconv request-header attribute. */
export function requestIdAttributes(id: string | undefined): SpanAttributes {
  return id === undefined || id === "" ? {} : { "http.request.header.x-request-id": [id] };
}

/** Name of the server span of the inbound face: no route decides there, the app's port does. */
export function inboundSpanName(method: string, port: number): string {
  return `${method} inbound:${port}`;
}

export interface ClientCallFacts {
  readonly method: string;
  readonly path: string;
  readonly grpc: boolean;
  readonly address: string;
  readonly port: number;
  /** Sent over mesh mTLS (to a meshed endpoint's inbound face). */
  readonly mtls: boolean;
  /** The cluster called (`ns/service:port`), or undefined for the local app. */
  readonly backend: string | undefined;
  readonly attempt: number;
}

/** A client span's name and attributes: named for what it calls. */
export function clientCall(f: ClientCallFacts): { name: string; attributes: SpanAttributes } {
  const out: SpanAttributes = { "http.request.method": f.method, "server.address": f.address, "server.port": f.port, "url.scheme": f.mtls ? "https" : "http", "weft.attempt": f.attempt };
  setUrl(out, f.path);
  if (f.backend !== undefined) out["weft.backend"] = f.backend;
  const rpc = f.grpc ? rpcAttributesOf(f.path) : undefined;
  if (rpc?.["rpc.service"] !== undefined) {
    Object.assign(out, rpc);
    return { name: `${rpc["rpc.service"]}/${rpc["rpc.method"]}`, attributes: out };
  }
  return { name: `${f.method} ${f.backend ?? `${f.address}:${f.port}`}`, attributes: out };
}

/** Weft's reason on an answer from the next hop (its x-weft-error), when it is one of ours in shape. */
export function upstreamReasonOf(headers: Readonly<Record<string, unknown>>): string | undefined {
  const v = headers["x-weft-error"];
  const s: unknown = Array.isArray(v) ? (v as unknown[])[0] : v;
  return typeof s === "string" && /^[a-z][a-z0-9_]{0,39}$/.test(s) ? s : undefined;
}
