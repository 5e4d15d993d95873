// outbound: the sidecar-outbound face. A connection the app opened was REDIRECTed here; we recover
// the address it dialled, map it to a mesh Service port (GAMMA: east-west traffic is matched by its
// original destination, not the Host header), and either hand HTTP to the engine with that Service's
// routes, or pass opaque TCP / unknown destinations straight through to where the app was going.
// The routes are read per request from the lookup in force (a getter on the context), so a kept-alive
// connection follows a route edit on its next request instead of keeping the table it was accepted with.
// Takes: an accepted socket (paused) and the capture environment. Gives: nothing; it owns the socket.
// Must not: connect back into the sidecar itself (loop), or throw.
import type { Socket } from "node:net";
import type { RouteContext } from "../engine-types.ts";
import type { CaptureEnv } from "./capture-env.ts";
import { classifyFirstBytes } from "./first-bytes.ts";
import { passthroughTcp } from "./tcp-passthrough.ts";
import { readFirstBytes } from "../front/read-first-bytes.ts";

/** Service appProtocols that are never HTTP: no peeking, straight passthrough. */
const OPAQUE_APP_PROTOCOLS = new Set(["tcp", "mysql", "mongo", "mongodb", "redis", "postgres", "postgresql", "kafka", "amqp", "tls"]);

export function isOpaqueAppProtocol(appProtocol: string | undefined): boolean {
  return appProtocol !== undefined && OPAQUE_APP_PROTOCOLS.has(appProtocol.toLowerCase());
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
  if (dest !== undefined && !isOpaqueAppProtocol(dest.port.appProtocol)) {
    const first = await readFirstBytes(socket, judgeHttp, env.peekTimeoutMs, 64);
    if (first.stop === "error" || socket.destroyed) return;
    if (first.verdict === "http1" || first.verdict === "h2") {
      env.stats.outboundHttp++;
      // The Service as the config in force sees it now; the accept-time view when it left the mesh.
      const current = (): typeof dest => env.lookup(dst.address, dst.port) ?? dest;
      const ctx: RouteContext = {
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
      env.engine.serveConnection(socket, ctx, first.head);
      return;
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
