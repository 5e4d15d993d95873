// http1-frontend: the node:http server that parses downstream HTTP/1.x strictly: no insecure parser,
// Host required, bounded header size and count, headersTimeout/requestTimeout against slowloris,
// keep-alive idle timeout. Parser errors (smuggling attempts: CL+TE, differing duplicate Content-Length,
// bad bytes, obs-fold) become one 400/431/408 answer and a closed connection. Takes limits and the
// request/upgrade handlers; gives the server (sockets are fed with emit("connection")).
// Must not: listen on a port itself.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Limits } from "./limits.ts";

export function createH1Server(
  limits: Limits,
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
): Server {
  const server = createServer({
    insecureHTTPParser: false,
    requireHostHeader: true,
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    joinDuplicateHeaders: false,
  }, onRequest);
  server.maxHeadersCount = limits.maxHeaderCount + 1;
  // headersTimeout/requestTimeout are enforced by a periodic check node starts on "listening"; this
  // server never listens (sockets arrive by emit("connection")), so start the check ourselves.
  // Stopped by server.close() (httpServerPreClose clears the interval).
  server.emit("listening");
  server.on("upgrade", onUpgrade);
  server.on("clientError", (err: Error & { code?: string }, socket: Duplex) => {
    const code = err.code ?? "";
    const status = code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large"
      : code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    const kind = code === "HPE_HEADER_OVERFLOW" ? "headers_too_large" : code === "ERR_HTTP_REQUEST_TIMEOUT" ? "request_timeout" : "bad_request";
    if (socket.writable && !(socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\nx-weft-error: ${kind}\r\n\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
    } else {
      socket.destroy();
    }
  });
  return server;
}
