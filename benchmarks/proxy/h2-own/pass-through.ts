// pass-through (benchmark prototype, NOT production framing): the same bare h2c pass-through as
// bench-h2-minimal.ts, on node:net sockets with own HTTP/2 framing (frames.ts, hpack.ts) instead of
// node:http2 — h2c in, one h2c session per origin out, streams multiplexed, the request's header list
// passed through as decoded, bodies and trailers relayed frame by frame. Requests for /bench.Echo/* go to
// the gRPC origin, the rest to the h2c origin.
// Takes the two origin ports; gives the listening port and a close function.
// Omits (beyond frames.ts's list): header hygiene of any kind (connection-specific fields, :authority vs
// host, validation), a 502 when the origin fails before answering (the downstream stream is reset
// instead), timeouts, and any limit on streams or bytes in flight per origin session.
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { CANCEL, H2Conn, type H2Handler, type H2Stream } from "./frames.ts";

export interface PassThrough {
  port: number;
  close(): Promise<void>;
}

export async function startOwnPassThrough(h2Port: number, grpcPort: number, host = "127.0.0.1"): Promise<PassThrough> {
  const sessions = new Map<number, H2Conn>();
  const relay: H2Handler = {
    onStream(down, fields, endStream) {
      let path = "/";
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i] === ":path") {
          path = fields[i + 1]!;
          break;
        }
      }
      const port = path.startsWith("/bench.Echo/") ? grpcPort : h2Port;
      const up = sessionTo(port).request(fields, endStream);
      down.peer = up;
      up.peer = down;
    },
    onHeaders(s, fields, endStream) {
      const p = s.peer;
      if (p !== null) p.conn.sendHeaders(p, fields, endStream);
    },
    onData(s, buf, start, end, endStream) {
      const p = s.peer;
      if (p !== null) p.conn.sendData(p, buf, start, end, endStream);
    },
    onReset(s, _code) {
      const p = s.peer;
      if (p === null) return;
      s.peer = null;
      p.peer = null;
      p.conn.reset(p, CANCEL);
    },
    onGoaway(conn) {
      for (const [port, c] of sessions) if (c === conn) sessions.delete(port);
    },
  };
  const sessionTo = (port: number): H2Conn => {
    const s = sessions.get(port);
    if (s !== undefined && !s.closed) return s;
    const fresh = new H2Conn(connect(port, host), false, relay);
    sessions.set(port, fresh);
    return fresh;
  };
  const downs = new Set<H2Conn>();
  const server: Server = createServer((socket) => {
    const c = new H2Conn(socket, true, relay);
    downs.add(c);
    socket.once("close", () => downs.delete(c));
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const c of [...downs, ...sessions.values()]) c.socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export type { H2Stream };
