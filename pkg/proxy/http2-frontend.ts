// http2-frontend: the node:http2 server for downstream HTTP/2 (h2c prior knowledge, and TLS sockets that
// negotiated ALPN h2 at a listener): bounded SETTINGS (concurrent streams, header list size), session
// memory, and idle session timeout. Takes limits and the stream handler (node's stream API: no compat
// request/response objects per request); gives the server (fed with
// emit("connection")). Must not: listen on a port itself.
import { createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";
import type { Limits } from "./limits.ts";

export function createH2Server(
  limits: Limits,
  onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]) => void,
  onSession: (session: ServerHttp2Session) => void,
): Http2Server {
  const server = createServer({
    settings: {
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderBytes,
      enablePush: false,
    },
    maxHeaderListPairs: limits.maxHeaderCount + 8,
    maxSessionMemory: 16,
    maxOutstandingPings: 10,
    maxSettings: 32,
    peerMaxConcurrentStreams: 1000,
  });
  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    stream.on("error", () => {});
    onStream(stream, headers, rawHeaders);
  });
  server.on("session", (session) => {
    session.setTimeout(limits.idleTimeoutMs, () => session.close());
    session.on("error", () => {});
    onSession(session);
  });
  server.on("sessionError", () => {});
  return server;
}
