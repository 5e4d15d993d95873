// rpc-attributes: the gRPC semantic-convention attributes of a request path. Takes the HTTP/2 :path
// of a gRPC call (`/package.Service/Method`); gives `rpc.system`, `rpc.service`, `rpc.method`, or no
// attributes when the path is not of that shape. Must not: throw, or return attacker-sized values
// (span limits cut them at 1024 characters anyway; a query or extra segment means "not gRPC").
// Spec: OTel semconv RPC spans (rpc.system=grpc, rpc.service = full service name, rpc.method).
import type { SpanAttributes } from "./span-attributes.ts";

const NONE: SpanAttributes = Object.freeze({});

/** `{rpc.system, rpc.service, rpc.method}` for `/svc/method`, else an empty (frozen) object. */
export function rpcAttributesOf(path: string): SpanAttributes {
  if (path.length < 4 || path.charCodeAt(0) !== 47) return NONE;
  const slash = path.indexOf("/", 1);
  if (slash <= 1 || slash === path.length - 1 || path.indexOf("/", slash + 1) !== -1 || path.includes("?")) return NONE;
  return { "rpc.system": "grpc", "rpc.service": path.slice(1, slash), "rpc.method": path.slice(slash + 1) };
}

/** The grpc-status carried by trailers (or a trailers-only HEADERS frame), when it is an integer 0–16. */
export function grpcStatusOf(...sources: (Readonly<Record<string, unknown>> | undefined)[]): number | undefined {
  for (const h of sources) {
    const v = h?.["grpc-status"];
    const s: unknown = Array.isArray(v) ? v[0] : v;
    if (typeof s === "string" ? !/^\d{1,2}$/.test(s) : typeof s !== "number") continue;
    const n = Number(s);
    if (Number.isInteger(n) && n >= 0 && n <= 16) return n;
  }
  return undefined;
}
