// h2-own-front: the downstream HTTP/2 face on Weft's own server framing (pkg/proxy/h2), the counterpart of
// h2-front.ts (node:http2) for h2c prior knowledge and TLS sockets that negotiated ALPN h2: the same bounds
// (concurrent streams, header list size and field count, 16 MB session memory, 32 settings a frame), the
// idle session timeout (idleTimeoutMs with no open stream: GOAWAY NO_ERROR), the unfinished header block
// timeout (headersTimeoutMs) and the SETTINGS ACK timeout (headersTimeoutMs too: GOAWAY SETTINGS_TIMEOUT),
// all kept by the server connection's sweep, and close() / destroy() for the
// engine's drain (graceful GOAWAY: the open streams are answered, then the socket closes).
// The connection's reads land in the shared read buffer (h1/user-buffer-reads.ts) and go straight to the framing.
// Each request becomes an H2OwnDownstream (h2-own-downstream.ts) handed to the stream handler; one whose
// body came whole with its head (a gRPC unary call) comes with that body (onWholeRequest).
// Takes limits and the stream handler; gives serve(socket, tag) per connection. Must not: listen on a port,
// or let a peer's bytes throw out of a socket callback (the server connection catches them).
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { UserBufferReads } from "../h1/user-buffer-reads.ts";
import { resolveH2Limits, type H2Limits } from "../h2/limits.ts";
import { H2ServerConn, type H2ServerHandler, type H2ServerStream } from "../h2/server-conn.ts";
import type { Limits } from "../limits.ts";
import { H2OwnDownstream } from "./h2-own-downstream.ts";

const of = (s: H2ServerStream): H2OwnDownstream | undefined => s.data as H2OwnDownstream | undefined;

/** One connection: its tag (the listener's context) and the client's address. */
class OwnConn implements H2ServerHandler {
  readonly conn: H2ServerConn;
  private readonly front: H2OwnFront;
  private readonly tag: unknown;
  private readonly remoteAddress: string | undefined;

  constructor(front: H2OwnFront, socket: Duplex, tag: unknown) {
    this.front = front;
    this.tag = tag;
    this.remoteAddress = (socket as Socket).remoteAddress;
    this.conn = new H2ServerConn(socket as Socket, this, front.h2Limits, true);
    socket.once("close", () => front.conns.delete(this));
  }

  onRequest(s: H2ServerStream, fields: string[], endStream: boolean, never: string[] | null): void {
    const down = new H2OwnDownstream(s, fields, never, endStream, this.remoteAddress);
    this.front.onStream(down, this.tag);
  }
  onWholeRequest(s: H2ServerStream, fields: string[], never: string[] | null, body: Buffer): void {
    const down = new H2OwnDownstream(s, fields, never, false, this.remoteAddress, body);
    this.front.onStream(down, this.tag);
  }
  onData(s: H2ServerStream, buf: Buffer, start: number, end: number, endStream: boolean): void {
    // The buffer is the socket's read: the body keeps its own copy.
    of(s)?.data(Buffer.from(buf.subarray(start, end)), endStream);
  }
  onTrailers(s: H2ServerStream, fields: string[]): void {
    of(s)?.trailersIn(fields);
  }
  onReset(s: H2ServerStream, code: number): void {
    of(s)?.resetByPeer(code);
  }
  onWritable(s: H2ServerStream): void {
    of(s)?.writable();
  }
}

export class H2OwnFront {
  readonly limits: Limits;
  readonly h2Limits: H2Limits;
  readonly conns = new Set<OwnConn>();
  readonly onStream: (down: H2OwnDownstream, tag: unknown) => void;
  private closing = false;

  constructor(limits: Limits, onStream: (down: H2OwnDownstream, tag: unknown) => void) {
    this.limits = limits;
    this.onStream = onStream;
    this.h2Limits = resolveH2Limits({
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderBytes,
      maxHeaderFields: limits.maxHeaderCount + 8,
      idleTimeoutMs: limits.idleTimeoutMs,
      headersTimeoutMs: limits.headersTimeoutMs,
      settingsTimeoutMs: limits.headersTimeoutMs,
    });
  }

  /** Serves HTTP/2 on a socket whose first bytes (the preface) are still to be read from it. */
  serve(socket: Duplex, tag: unknown): void {
    const c = new OwnConn(this, socket, tag);
    this.conns.add(c);
    if (this.closing) c.conn.shutdown();
    // Reads land in the shared read buffer and go straight to the framing (no Buffer, "data" event or
    // stream bookkeeping per read); bytes already read (protocol detection) first. A stream without a
    // native handle reads through "data" events.
    const feed = c.conn.feed;
    if (UserBufferReads.attach(socket, feed) === undefined) socket.on("data", (d: Buffer) => feed(d, d.length));
    socket.resume();
  }

  /** Graceful GOAWAY on every connection (open streams are answered); new connections get one at once. */
  close(): void {
    this.closing = true;
    for (const c of this.conns) c.conn.shutdown();
  }

  /** GOAWAY sent on every connection without closing (announceDrain): clients open new streams elsewhere. */
  announce(): void {
    for (const c of this.conns) c.conn.shutdown();
  }

  destroy(): void {
    for (const c of this.conns) c.conn.socket.destroy();
    this.conns.clear();
  }
}
