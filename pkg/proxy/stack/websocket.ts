// websocket: HTTP/1.1 Upgrade passthrough for WebSocket (RFC 6455) to `ws` and `http1` clusters (and the
// local app); meshed endpoints are reached over mesh mTLS (ALPN http/1.1 + weft-http/1.1, the peer's
// SPIFFE id verified: another id ⇒ 503 upstream_tls). The route, filters and backend are chosen like any
// request; the upstream 101 and then the raw bytes are relayed both ways. (Other Upgrade offers never get
// here: the HTTP/1.1 front serves them as plain requests.)
// Takes the upgrade request as the stack decided it (route, filters, backend) and the socket; gives a relayed tunnel. Must not: relay before the upstream
// agreed (101), or keep either side open after the other closed.
import { request as h1Request } from "node:http";
import type { Duplex } from "node:stream";
import type { EndpointChooser } from "../balance/endpoint-chooser.ts";
import { classify, type Upstream } from "../upstream/upstream.ts";
import { forwardResponseHeaders } from "./hygiene.ts";
import type { Destination, ProxyRequest } from "./request.ts";
import { failure, type ProxyFailureError } from "../rescue.ts";

export function writeRawFailure(socket: Duplex, f: ProxyFailureError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${f.message}\n`;
  socket.end(`HTTP/1.1 ${f.status} ${f.kind}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-weft-error: ${f.kind}\r\n\r\n${body}`);
}

function rawHead(status: number, message: string, headers: Record<string, unknown>): string {
  let s = `HTTP/1.1 ${status} ${message}\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) s += `${k}: ${String(one)}\r\n`;
  }
  return s + "\r\n";
}

export function tunnelWebSocket(req: ProxyRequest, destination: Destination, chooser: EndpointChooser, upstream: Upstream, socket: Duplex, head: Buffer): void {
  let address = "127.0.0.1";
  let port: number;
  let identity: string | undefined;
  if (destination.localAppPort !== undefined) {
    port = destination.localAppPort;
  } else {
    const cluster = destination.cluster;
    if (cluster === undefined) throw failure("unknown_cluster", "no cluster");
    if (cluster.protocol !== "ws" && cluster.protocol !== "http1") throw failure("bad_request", "upgrade not supported for this backend");
    const pick = chooser.choose(cluster);
    if (pick === undefined) throw failure("no_endpoints", "no ready endpoints");
    address = pick.endpoint.address;
    port = pick.endpoint.port;
    identity = pick.endpoint.identity;
  }
  // Meshed endpoints get the tunnel over mesh mTLS (the peer's inbound sidecar terminates it).
  const meshIdentity = identity !== undefined && upstream.meshTlsReady() ? identity : undefined;
  const up = h1Request({
    host: address,
    port,
    method: req.method,
    path: req.pathWithQuery(),
    setHost: false,
    headers: { ...req.headers, host: req.authority, connection: "Upgrade", upgrade: "websocket" },
    // node uses createConnection only when no agent is given; plaintext tunnels get a private agent.
    ...(meshIdentity !== undefined ? { createConnection: () => upstream.meshH1Socket(address, port, meshIdentity)! } : { agent: false }),
  });
  const closeBoth = () => {
    socket.destroy();
    up.destroy();
  };
  socket.on("error", closeBoth);
  up.on("upgrade", (res, upSocket, upHead) => {
    socket.write(rawHead(101, "Switching Protocols", { ...forwardResponseHeaders(res.headers), connection: "Upgrade", upgrade: res.headers.upgrade ?? "websocket" }));
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) upSocket.write(head);
    upSocket.pipe(socket);
    socket.pipe(upSocket);
    upSocket.on("error", () => socket.destroy());
    upSocket.on("close", () => socket.destroy());
    socket.on("close", () => upSocket.destroy());
  });
  up.on("response", (res) => {
    socket.write(rawHead(res.statusCode ?? 502, res.statusMessage ?? "", { ...forwardResponseHeaders(res.headers), connection: "close" }));
    res.pipe(socket);
  });
  // A peer presenting another SPIFFE id is refused (503 upstream_tls) before any byte of the request.
  let connected = false;
  up.once("socket", (s) =>
    s.once(meshIdentity !== undefined ? "secureConnect" : "connect", () => {
      connected = true;
    }));
  up.on("error", (e) => writeRawFailure(socket, classify(e, connected)));
  up.end();
}
