// h2-front: the node:http2 server for downstream HTTP/2 (h2c prior knowledge, and TLS sockets that
// negotiated ALPN h2 at a listener): bounded SETTINGS (concurrent streams, header list size), session
// memory, and idle session timeout (idleTimeoutMs with no open stream). The idle timer is our own and is
// cleared when the session closes: node's session.setTimeout timer is not cleared by destroy() (and
// setTimeout(0) does nothing on a destroyed session), so it held every closed session, native part
// included, for the whole timeout (an h2 CONTINUATION flood kept ~9,000 per 15 s).
// A closed stream lets go of every listener (one shared function per session, not a closure per stream):
// node keeps a closed stream, and whatever its listeners hold, alive through every scavenge until a full
// GC, so a listener a layer left on it (the request body's error guard, a pipe's) kept the whole request
// alive and got it promoted to the old generation (docs/proxy.md, "The gRPC pair").
// Takes limits and the stream handler (node's stream API: no compat request/response objects per
// request); gives the server (fed with emit("connection")). Must not: listen on a port itself.
import { createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";
import type { Limits } from "../limits.ts";

/** Stream and session errors end them (node closes them); nothing else to do with one. */
const ignore = (): void => {};

/**
 * A stream's last event was "close": no listener of its is called again, so none may keep what it holds.
 * The other close listeners still run (an emitter calls a copy of its list). An error after this is ignored.
 */
function letGo(this: ServerHttp2Stream): void {
  this.removeAllListeners();
  this.on("error", ignore);
}

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
    stream.on("error", ignore);
    onStream(stream, headers, rawHeaders);
  });
  server.on("session", (session) => {
    let open = 0;
    let idle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      idle = setTimeout(() => session.close(), limits.idleTimeoutMs);
      idle.unref();
    };
    arm();
    // One close listener for every stream of the session, not a closure per stream. "close" comes once
    // per stream: on(), not once() (a wrapper and its removal per stream).
    const streamClosed = (): void => {
      if (--open === 0 && !session.destroyed) arm();
    };
    session.on("stream", (stream: ServerHttp2Stream) => {
      open++;
      if (idle !== undefined) clearTimeout(idle);
      idle = undefined;
      stream.on("close", streamClosed);
      stream.on("close", letGo);
    });
    session.once("close", () => {
      if (idle !== undefined) clearTimeout(idle);
      idle = undefined;
    });
    session.on("error", ignore);
    onSession(session);
  });
  server.on("sessionError", ignore);
  return server;
}
