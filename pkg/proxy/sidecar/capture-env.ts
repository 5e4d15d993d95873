// capture-env: the resolved settings and shared state both capture faces read (defaults applied once).
// Takes: SidecarOptions. Gives: CaptureEnv. Must not: open sockets.
import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import { normalizeIp } from "../../util/ip-address.ts";
import type { HttpEngine, MeshTlsMaterial } from "../engine-types.ts";
import { meshSecureContext } from "../mesh-secure-context.ts";
import { originalDestination, originalDstMethod, type OriginalDestination } from "./original-dst.ts";
import type { InboundMode, SidecarDestination, SidecarLog, SidecarOptions, SidecarStats } from "./sidecar-types.ts";

export interface CaptureEnv {
  readonly engine: HttpEngine;
  readonly lookup: (ip: string, port: number) => SidecarDestination | undefined;
  readonly originalDestination: (socket: Socket) => OriginalDestination | undefined;
  /** How original destinations are recovered: "addon", "conntrack" (fallback) or "custom" (tests). */
  readonly originalDstMethod: string;
  readonly inboundMode: InboundMode;
  readonly inboundPortModes: Readonly<Record<number, InboundMode>>;
  readonly peekTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly tcpIdleTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly stats: SidecarStats;
  readonly log: SidecarLog;
  /** The listeners' own ports, filled in once they listen. */
  readonly ownPorts: Set<number>;
  meshContext(): SecureContext | undefined;
  setMeshTls(material: MeshTlsMaterial | undefined): void;
  /** Inbound: the app's local port for a destination port (explicit bindings; default the same port). */
  readonly appPortOf?: (port: number) => number;
  /** Inbound: the cluster describing the app's protocol for a destination port (explicit bindings). */
  readonly appClusterOf?: (port: number) => string | undefined;
  /** Inbound: treat every TLS ClientHello as mesh mTLS (explicit bindings only meshed peers dial). */
  readonly anyTlsIsMesh?: boolean;
  /** Called once per refused inbound mesh mTLS handshake. */
  readonly onMtlsFailure?: SidecarOptions["onMtlsFailure"];
  /** True when `dst` is one of the sidecar's own listeners (a direct, unredirected connection). */
  isSelf(dst: OriginalDestination, socket: Socket): boolean;
}

export const defaultSidecarLog: SidecarLog = (level, event, fields) => {
  process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), component: "sidecar", event, ...fields })}\n`);
};

function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1";
}

export function createCaptureEnv(o: SidecarOptions): CaptureEnv {
  let context = o.meshTls === undefined ? undefined : meshSecureContext(o.meshTls);
  const method = o.originalDestination === undefined ? originalDstMethod() : "custom";
  const log = o.log ?? defaultSidecarLog;
  // A failed recovery (not a socket that simply was not redirected) is logged with its cause.
  const recover = o.originalDestination ?? ((s: Socket) => {
    try {
      return originalDestination(s, method === "conntrack" ? "conntrack" : "addon");
    } catch (e) {
      log("error", "original-dst.failed", { reason: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  });
  const ownPorts = new Set<number>();
  return {
    engine: o.engine,
    lookup: o.lookup,
    originalDestination: recover,
    originalDstMethod: method,
    inboundMode: o.inboundMode ?? "permissive",
    inboundPortModes: o.inboundPortModes ?? {},
    peekTimeoutMs: o.peekTimeoutMs ?? 300,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    tcpIdleTimeoutMs: o.tcpIdleTimeoutMs ?? 3_600_000,
    handshakeTimeoutMs: o.handshakeTimeoutMs ?? 10_000,
    stats: { outboundHttp: 0, outboundTcp: 0, outboundRefused: 0, inboundMtls: 0, inboundPlainHttp: 0, inboundTcp: 0, inboundRefused: 0 },
    log,
    ...(o.onMtlsFailure !== undefined ? { onMtlsFailure: o.onMtlsFailure } : {}),
    ownPorts,
    meshContext: () => context,
    setMeshTls: (m) => {
      context = m === undefined ? undefined : meshSecureContext(m);
    },
    isSelf: (dst, socket) => {
      if (!ownPorts.has(dst.port)) return false;
      const addr = normalizeIp(dst.address);
      return isLoopback(addr) || addr === normalizeIp(socket.localAddress ?? "") || addr === "0.0.0.0" || addr === "::";
    },
  };
}
