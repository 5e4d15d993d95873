// outbound: the sidecar-outbound face. A connection the app opened was REDIRECTed here; we recover
// the address it dialled, map it to a mesh Service port (GAMMA: east-west traffic is matched by its
// original destination, not the Host header), and either hand HTTP to the engine with that Service's
// routes, or pass opaque TCP / unknown destinations straight through to where the app was going.
// The routes are read per request from the lookup in force (a getter on the context), so a kept-alive
// connection follows a route edit on its next request instead of keeping the table it was accepted with.
// A port whose appProtocol declares HTTP (http, h2c, grpc, ws and their kubernetes.io/ names) goes to the
// engine without the peek, as Linkerd does for declared ports: a client that opens a connection ahead of
// use and stays silent past the peek window must not leave the mesh as plain TCP (no routes, no mTLS);
// the engine's own first-bytes window (limits.detectTimeoutMs) bounds the wait. An undeclared port that
// stays silent past the peek is passed through, with one `outbound.detect-timeout` warning per
// destination per minute saying how to keep it in the mesh.
// Takes: an accepted socket (paused) and the capture environment. Gives: nothing; it owns the socket.
// Must not: connect back into the sidecar itself (loop), or throw.
import type { Socket } from "node:net";
import type { RouteContext } from "../engine-types.ts";
import type { CaptureEnv } from "./capture-env.ts";
import { classifyFirstBytes } from "./first-bytes.ts";
import { passthroughTcp } from "./tcp-passthrough.ts";
import { readFirstBytes } from "../front/read-first-bytes.ts";
import { isHttpAppProtocol, isOpaqueAppProtocol } from "../../ir/app-protocol.ts";
import type { SidecarDestination } from "./sidecar-types.ts";

/** How often one destination's detect-timeout warning may repeat, and how many destinations are remembered. */
const DETECT_WARN_EVERY_MS = 60_000;
const DETECT_WARN_KEYS = 1024;
const detectWarnedAt = new Map<string, number>();

/** True when this destination's detect-timeout warning is due (at most once a minute per destination). */
function detectWarningDue(key: string, now: number): boolean {
  const last = detectWarnedAt.get(key);
  if (last !== undefined && now - last < DETECT_WARN_EVERY_MS) return false;
  if (detectWarnedAt.size >= DETECT_WARN_KEYS) detectWarnedAt.clear();
  detectWarnedAt.set(key, now);
  return true;
}

function judgeHttp(head: Buffer): "http1" | "h2" | "other" | undefined {
  const kind = classifyFirstBytes(head);
  if (kind === "need-more") return undefined;
  return kind === "tls" ? "other" : kind;
}

export async function handleOutbound(socket: Socket, env: CaptureEnv): Promise<void> {
  const dst = env.originalDestination(socket);
  const from = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
  if (dst === undefined) {
    env.stats.outboundRefused++;
    env.log("warn", "outbound.refused", { reason: "original destination unknown (not redirected?)", from });
    socket.destroy();
    return;
  }
  if (env.isSelf(dst, socket)) {
    env.stats.outboundRefused++;
    env.log("warn", "outbound.refused", { reason: "destination is the sidecar itself (loop)", from, to: `${dst.address}:${dst.port}` });
    socket.destroy();
    return;
  }
  const dest = env.lookup(dst.address, dst.port);
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  if (dest !== undefined && isHttpAppProtocol(dest.port.appProtocol)) {
    env.stats.outboundHttp++;
    env.engine.serveConnection(socket, meshContext(env, dst, dest), undefined);
    return;
  }
  if (dest !== undefined && !isOpaqueAppProtocol(dest.port.appProtocol)) {
    const first = await readFirstBytes(socket, judgeHttp, env.peekTimeoutMs, 64);
    if (first.stop === "error" || socket.destroyed) return;
    if (first.verdict === "http1" || first.verdict === "h2") {
      env.stats.outboundHttp++;
      env.engine.serveConnection(socket, meshContext(env, dst, dest), first.head);
      return;
    }
    if (first.stop === "timeout" && first.head.length === 0 && detectWarningDue(`${dst.address}:${dst.port}`, Date.now())) {
      env.log("warn", "outbound.detect-timeout", {
        to: `${dst.address}:${dst.port}`,
        service: `${dest.service.namespace}/${dest.service.name}:${dest.port.port}`,
        waitedMs: env.peekTimeoutMs,
        action: "passed through as opaque TCP, without routes or mesh mTLS",
        hint: "set the Service port's appProtocol (http, h2c, grpc) if its clients may open connections ahead of use, or tcp for a server-first protocol",
      });
    }
    head = first.head;
    ended = first.ended;
  }
  env.stats.outboundTcp++;
  const r = await passthroughTcp(socket, head, ended, {
    host: dst.address,
    port: dst.port,
    connectTimeoutMs: env.connectTimeoutMs,
    idleTimeoutMs: env.tcpIdleTimeoutMs,
  });
  if (r.error !== undefined && !r.connected) {
    env.log("warn", "outbound.tcp-failed", { to: `${dst.address}:${dst.port}`, from, reason: r.error });
  }
}

/** The engine's context for a mesh Service port: routes read from the config in force on every request. */
function meshContext(env: CaptureEnv, dst: { address: string; port: number }, dest: SidecarDestination): RouteContext {
  // The Service as the config in force sees it now; the accept-time view when it left the mesh.
  const current = (): SidecarDestination => env.lookup(dst.address, dst.port) ?? dest;
  return {
    face: "sidecar-outbound",
    get routes() {
      return current().routes;
    },
    get defaultCluster() {
      return current().port.cluster;
    },
    destinationPort: dst.port,
    scheme: "http",
    label: `${dest.service.namespace}/${dest.service.name}:${dest.port.port}`,
  };
}
