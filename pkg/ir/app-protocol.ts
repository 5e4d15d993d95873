// app-protocol: what a Service port's `appProtocol` declares, read one way by the translator (which
// upstream protocol a cluster speaks) and by the sidecar (whether to look for HTTP at all, and whether
// a silent connection may leave the mesh as opaque TCP).
// Takes: an appProtocol string as written on a Service port. Gives: the upstream protocol it names, or
// whether it names an opaque (never-HTTP) protocol. Must not: look at anything but the string.
import type { UpstreamProtocol } from "./types.ts";

/** appProtocol → upstream protocol (spec §3, GEP-1911); "unsupported" when Weft cannot speak it. */
export function protocolOf(appProtocol: string | undefined): UpstreamProtocol | undefined | "unsupported" {
  if (appProtocol === undefined || appProtocol === "") return undefined;
  switch (appProtocol.toLowerCase()) {
    case "http":
    case "http1":
      return "http1";
    case "kubernetes.io/h2c":
    case "h2c":
    case "http2":
      return "h2c";
    case "grpc":
    case "kubernetes.io/grpc":
      return "grpc";
    case "kubernetes.io/ws":
    case "ws":
      return "ws";
    default:
      return "unsupported";
  }
}

/** Service appProtocols that are never HTTP: the sidecar passes them through without peeking. */
const OPAQUE_APP_PROTOCOLS = new Set(["tcp", "mysql", "mongo", "mongodb", "redis", "postgres", "postgresql", "kafka", "amqp", "tls"]);

export function isOpaqueAppProtocol(appProtocol: string | undefined): boolean {
  return appProtocol !== undefined && OPAQUE_APP_PROTOCOLS.has(appProtocol.toLowerCase());
}

/** True when the port declares an HTTP protocol (HTTP/1.1, h2c, gRPC, WebSocket). */
export function isHttpAppProtocol(appProtocol: string | undefined): boolean {
  const p = protocolOf(appProtocol);
  return p !== undefined && p !== "unsupported" && p !== "tcp";
}
