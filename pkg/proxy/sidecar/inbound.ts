// inbound: the sidecar-inbound face. A connection to the pod was REDIRECTed here; we recover the
// port it was addressed to and decide by its first bytes:
//   TLS ClientHello offering mesh ALPN ⇒ terminate mTLS (client cert must chain to the trust bundle,
//     peer SPIFFE id required) ⇒ engine with peerIdentity, forwarding to 127.0.0.1:<port>;
//   anything else from an unmeshed client ⇒ strict: close with a log line; permissive: HTTP ⇒ engine,
//     other bytes (including the app's own TLS) ⇒ TCP passthrough to 127.0.0.1:<port>.
// Takes: an accepted socket (paused) and the capture environment. Gives: nothing; it owns the socket.
// Must not: pass a connection whose mTLS failed to the app, or forward to any host but 127.0.0.1.
import type { Socket } from "node:net";
import type { RouteContext } from "../engine-types.ts";
import type { CaptureEnv } from "./capture-env.ts";
import { MAX_HELLO, parseClientHello, type ClientHelloResult } from "./client-hello.ts";
import { classifyFirstBytes } from "./first-bytes.ts";
import { offersMeshAlpn, terminateMeshTls } from "./mesh-tls.ts";
import { passthroughTcp } from "./tcp-passthrough.ts";
import { readFirstBytes } from "../front/read-first-bytes.ts";

type InboundVerdict = { readonly kind: "http1" | "h2" | "other" } | { readonly kind: "tls"; readonly hello: ClientHelloResult };

function judgeInbound(head: Buffer): InboundVerdict | undefined {
  const kind = classifyFirstBytes(head);
  if (kind === "need-more") return undefined;
  if (kind !== "tls") return { kind };
  const hello = parseClientHello(head);
  return hello.status === "need-more" ? undefined : { kind: "tls", hello };
}

const APP_HOST = "127.0.0.1";

export async function handleInbound(socket: Socket, env: CaptureEnv): Promise<void> {
  const dst = env.originalDestination(socket);
  const from = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
  const refuse = (reason: string, fields: Record<string, string | number> = {}): void => {
    env.stats.inboundRefused++;
    env.log("warn", "inbound.refused", { reason, from, ...fields });
    socket.destroy();
  };
  if (dst === undefined) return refuse("original destination unknown (not redirected?)");
  if (env.isSelf(dst, socket)) return refuse("destination is the sidecar itself (loop)", { port: dst.port });
  const port = dst.port;
  const appPort = env.appPortOf?.(port) ?? port;
  const appCluster = env.appClusterOf?.(port);
  // The app's protocol: an explicit binding names its cluster; a captured port is looked up by the pod
  // address and port the client dialled (the Service port targeting it, e.g. appProtocol kubernetes.io/h2c).
  const protocolOf = appCluster !== undefined ? { defaultCluster: appCluster } : { localAppAddress: dst.address };
  const mode = env.inboundPortModes[port] ?? env.inboundMode;
  const first = await readFirstBytes(socket, judgeInbound, env.peekTimeoutMs, MAX_HELLO + 64);
  if (first.stop === "error" || socket.destroyed) return;
  const verdict = first.verdict;
  const label = `inbound:${port}`;
  if (verdict?.kind === "tls" && verdict.hello.status === "ok" && (offersMeshAlpn(verdict.hello.alpn) || env.anyTlsIsMesh === true)) {
    const context = env.meshContext();
    if (context === undefined) return refuse("mesh mTLS offered but this sidecar has no mesh certificate yet", { port });
    const tls = await terminateMeshTls(socket, first.head, context, env.handshakeTimeoutMs);
    if (!tls.ok) {
      env.onMtlsFailure?.(tls.kind);
      return refuse(tls.reason, { port });
    }
    env.stats.inboundMtls++;
    env.log("info", "inbound.mtls", { port, from, peerIdentity: tls.peerIdentity, alpn: tls.alpn });
    const ctx: RouteContext = {
      face: "sidecar-inbound",
      routes: undefined,
      localAppPort: appPort,
      destinationPort: port,
      ...protocolOf,
      scheme: "http",
      peerIdentity: tls.peerIdentity,
      label,
    };
    env.engine.serveConnection(tls.socket, ctx, undefined);
    return;
  }
  if (mode === "strict") {
    return refuse("strict mTLS: plaintext or non-mesh connection refused", { port, saw: verdict?.kind ?? first.stop });
  }
  if (verdict?.kind === "http1" || verdict?.kind === "h2") {
    env.stats.inboundPlainHttp++;
    const ctx: RouteContext = { face: "sidecar-inbound", routes: undefined, localAppPort: appPort, destinationPort: port, ...protocolOf, scheme: "http", label };
    env.engine.serveConnection(socket, ctx, first.head);
    return;
  }
  env.stats.inboundTcp++;
  const r = await passthroughTcp(socket, first.head, first.ended, {
    host: APP_HOST,
    port: appPort,
    connectTimeoutMs: env.connectTimeoutMs,
    idleTimeoutMs: env.tcpIdleTimeoutMs,
  });
  if (r.error !== undefined && !r.connected) env.log("warn", "inbound.tcp-failed", { port, from, reason: r.error });
}
