// sidecar-types: the options, destination shape and handle of the sidecar's capture listeners.
// Must not: hold behaviour.
import type { MeshPortIR, MeshServiceIR } from "../../ir/types.ts";
import type { CompiledRoutes } from "../../router/index.ts";
import type { HttpEngine, MeshTlsMaterial } from "../engine-types.ts";
import type { OriginalDestination } from "./original-dst.ts";
import type { MtlsFailureReason } from "../../telemetry/index.ts";

/** What pkg/router's `lookupMeshDestination(mesh, ip, port)` returns (structurally the same type). */
export interface SidecarDestination {
  readonly service: MeshServiceIR;
  readonly port: MeshPortIR;
  readonly routes: CompiledRoutes | undefined;
}

export type InboundMode = "permissive" | "strict";

/**
 * An explicit listener address (local mode, no iptables): a socket accepted on it was addressed to
 * the listener itself, so its original destination is the socket's own local address and port.
 */
export interface SidecarBinding {
  readonly host: string;
  readonly port: number;
}

/**
 * An explicit outbound listener; `destination`, when set, is the original destination it stands for
 * (a Service ClusterIP:port whose port could not be bound, e.g. a privileged port for a normal user),
 * used instead of the listener's own address.
 */
export interface OutboundBinding extends SidecarBinding {
  readonly destination?: OriginalDestination;
}

/** An explicit inbound listener (a pod IP and target port); `appPort` is the app's port on 127.0.0.1 (default: `port`). */
export interface InboundBinding extends SidecarBinding {
  readonly appPort?: number;
  /** The cluster id (`ns/service:port`) whose protocol says how to talk to the app (h2c/grpc ⇒ HTTP/2), as engine defaultCluster. */
  readonly cluster?: string;
}

/** One structured log event; fields carry no secrets (no keys, no tokens, no payload bytes). */
export type SidecarLog = (level: "info" | "warn" | "error", event: string, fields: Readonly<Record<string, string | number | boolean>>) => void;

export interface SidecarOptions {
  readonly engine: HttpEngine;
  /** Maps an original destination to a mesh Service port: wire it to pkg/router lookupMeshDestination. */
  readonly lookup: (ip: string, port: number) => SidecarDestination | undefined;
  /** Default 15001. 0 = an ephemeral port (tests). */
  readonly outboundPort?: number;
  /** Default 15006. 0 = an ephemeral port (tests). */
  readonly inboundPort?: number;
  /** Address both listeners bind (default "::" dual stack, falling back to "0.0.0.0" without IPv6). */
  readonly host?: string;
  /** Mesh mTLS for inbound termination; without it mesh mTLS connections are refused. */
  readonly meshTls?: MeshTlsMaterial;
  /** Plaintext (unmeshed) inbound clients: accepted (permissive, default) or closed (strict). */
  readonly inboundMode?: InboundMode;
  /** Per destination port overrides of `inboundMode`. */
  readonly inboundPortModes?: Readonly<Record<number, InboundMode>>;
  /** How long to wait for a client's first bytes before treating it as opaque TCP (default 300 ms). */
  readonly peekTimeoutMs?: number;
  /** Upstream connect timeout for TCP passthrough (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Idle timeout of passthrough TCP connections (default 1 h; 0 = none). */
  readonly tcpIdleTimeoutMs?: number;
  /** TLS handshake timeout for inbound mesh mTLS (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** Cap on concurrently open captured connections per listener (default 10,000). */
  readonly maxConnections?: number;
  /** Explicit outbound listeners (e.g. a Service ClusterIP:port); lookups use the listener's own address. */
  readonly outboundBindings?: readonly OutboundBinding[];
  /**
   * Explicit inbound listeners (a pod IP:targetPort). Only meshed peers dial them, so any TLS
   * ClientHello there is mesh mTLS, with or without the mesh ALPN marker.
   */
  readonly inboundBindings?: readonly InboundBinding[];
  /** false: open only the explicit bindings, not the capture ports (then outboundPort/inboundPort are 0). Default true. */
  readonly captureListeners?: boolean;
  /** Override original-destination recovery (tests on loopback without iptables). */
  readonly originalDestination?: (socket: import("node:net").Socket) => OriginalDestination | undefined;
  readonly log?: SidecarLog;
  /** Called once per refused inbound mesh mTLS handshake with its reason (pkg/telemetry mtlsHandshakeFailed). */
  readonly onMtlsFailure?: (reason: MtlsFailureReason) => void;
}

export interface SidecarStats {
  outboundHttp: number;
  outboundTcp: number;
  outboundRefused: number;
  inboundMtls: number;
  inboundPlainHttp: number;
  inboundTcp: number;
  inboundRefused: number;
}

export interface Sidecar {
  readonly outboundPort: number;
  readonly inboundPort: number;
  readonly stats: Readonly<SidecarStats>;
  /** Set or rotate the mesh mTLS material (new handshakes use it; open connections keep theirs). */
  setMeshTls(material: MeshTlsMaterial | undefined): void;
  /** Stop accepting and close open captured connections at once. */
  close(): Promise<void>;
  /**
   * SIGTERM path: stop accepting, let the engine finish in-flight requests and let passthrough
   * connections end by themselves, then close whatever is still open after `graceMs`.
   */
  drain(graceMs: number): Promise<void>;
}
